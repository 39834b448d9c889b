"""Pre-training data-distribution estimation ("presence"): length-normalised log-likelihood of documents by category
(:mod:`.score`), distances between models' score distributions (:mod:`.compare`) and presence features for the
predictors (:mod:`.features`). See docs/presence.md."""
