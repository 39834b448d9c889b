"""The HTML side of the reports: one escaping function, sortable tables, figure blocks and the page shell.

Every string that reaches the page goes through :func:`esc` (``html.escape`` with quotes), except markup built
here from escaped parts. The page is self-contained: figures are inline data URIs, the CSS and the sorting script
are inline, and a Content-Security-Policy forbids fetching anything and allows only the page's own script (by
its hash), so that even a string that escaped escaping could not run.
"""

from __future__ import annotations

import base64
import hashlib
import math
from collections.abc import Iterable, Sequence

from rmbase.report.plotting import Rendered


def esc(value) -> str:
    """The one escaping function of every report page: rmbase's HTML escaping (:func:`rmbase.escaping.html`)."""
    from rmbase.escaping import html as escape_html

    return escape_html("" if value is None else value)


def num(x, nd: int = 3) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, int):
        return str(x)
    return f"{x:.{nd}f}"


class Cell:
    """A table cell with its own display text and sort value (numbers sort as numbers)."""

    def __init__(self, text, sort=None, *, cls: str = ""):
        self.text, self.sort, self.cls = text, sort, cls


def _cell(v, nd: int) -> tuple[str, str, str]:
    if isinstance(v, Cell):
        return esc(v.text), "" if v.sort is None else esc(v.sort), v.cls
    if isinstance(v, bool) or v is None:
        return esc(num(v)), "", ""
    if isinstance(v, (int, float)):
        return esc(num(v, nd)), esc(repr(float(v))), "n"
    return esc(v), "", ""


def pval(p) -> Cell:
    """A p- or q-value: two significant digits, sorted by value."""
    return Cell("n/a" if p is None else f"{p:.2g}", p, cls="n")


def table(header: Sequence[str], rows: Iterable[Sequence], *, caption: str = "", nd: int = 3,
          key: str = "", fold_after: int = 15) -> str:
    """A sortable table (click a column header); numbers are right-aligned and sort numerically. A table longer
    than ``fold_after`` rows is folded (``<details>``) on screen and unfolded for printing."""
    rows = list(rows)
    head = "".join(f'<th scope="col"><button type="button">{esc(h)}</button></th>' for h in header)
    body = []
    for r in rows:
        tds = []
        for v in r:
            text, sort, cls = _cell(v, nd)
            attrs = (f' data-sort="{sort}"' if sort else "") + (f' class="{cls}"' if cls else "")
            tds.append(f"<td{attrs}>{text}</td>")
        body.append("<tr>" + "".join(tds) + "</tr>")
    cap = ""
    if caption or key:
        cap = f"<caption>{esc(caption)}{' ' if caption and key else ''}"
        cap += (f'<span class="key">study.json: <code>{esc(key)}</code></span>' if key else "") + "</caption>"
    out = (f'<div class="tablewrap"><table class="sortable">{cap}<thead><tr>{head}</tr></thead>'
           f"<tbody>{''.join(body)}</tbody></table></div>")
    if len(rows) > fold_after:
        what = caption or (f"study.json {key}" if key else "table")
        out = (f"<details><summary>Table ({len(rows)} rows): {esc(what)}</summary>{out}</details>")
    return out


def figure(r: Rendered, number: int) -> str:
    s = r.spec
    links = " ".join(f'<a href="{esc(path)}">{esc(kind.upper())}</a>' for kind, path in s.files.items())
    return (f'<figure id="fig-{esc(s.name)}" data-figure="{esc(s.name)}">'
            f'<img src="{r.data_uri}" alt="{esc(s.alt)}" width="{r.width_px}" height="{r.height_px}">'
            f"<figcaption><strong>Figure {number}. {esc(s.title)}.</strong> {esc(s.caption)} "
            f'<span class="key">Numbers from {esc(s.source)}: <code>{esc(s.key)}</code>.</span>'
            f"{' Files: ' + links + '.' if links else ''}</figcaption></figure>")


def section(sid: str, title: str, body: str) -> str:
    return f'<section id="{esc(sid)}"><h2>{esc(title)}</h2>{body}</section>'


def para(text: str) -> str:
    return f"<p>{esc(text)}</p>"


def bullets(items: Iterable[str], *, escaped: bool = False) -> str:
    return "<ul>" + "".join(f"<li>{i if escaped else esc(i)}</li>" for i in items) + "</ul>"


CSS = """
:root{--ink:#1a1a1a;--muted:#555;--rule:#d0d0d0;--accent:#0072B2;--bg:#fff;--answer:#eef5fb}
*{box-sizing:border-box}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--ink);
 background:var(--bg);margin:0 auto;max-width:1100px;padding:1.5rem 1.25rem 4rem}
h1{font-size:1.6rem;margin:.2rem 0 .3rem}h2{font-size:1.25rem;margin:2.2rem 0 .6rem;border-bottom:1px solid var(--rule);
 padding-bottom:.2rem}h3{font-size:1.05rem;margin:1.2rem 0 .4rem}
.meta{color:var(--muted);margin:0 0 1rem}
.answer{background:var(--answer);border-left:5px solid var(--accent);padding:.8rem 1.1rem;margin:1rem 0 1.5rem}
.answer h2{border:0;margin:.2rem 0 .5rem;padding:0}
.answer table{background:#fff}
.verdict{font-size:1.05rem}
nav.toc{columns:2;font-size:.9rem;margin:0 0 1rem}nav.toc a{color:var(--accent)}
figure{margin:1.2rem 0 1.8rem;break-inside:avoid;page-break-inside:avoid}
figure img{max-width:100%;height:auto;display:block;border:1px solid #eee}
figcaption{font-size:.88rem;color:#333;margin-top:.4rem;max-width:75ch}
.key{color:var(--muted)}code{font:.85em ui-monospace,"DejaVu Sans Mono",monospace;background:#f4f4f4;padding:0 .2em}
.tablewrap{overflow-x:auto;margin:.6rem 0 1.2rem}
details{margin:.6rem 0 1.2rem}summary{cursor:pointer;color:var(--accent);font-size:.9rem}
table{border-collapse:collapse;font-size:.85rem;min-width:40%}
caption{caption-side:bottom;text-align:left;font-size:.8rem;color:var(--muted);padding-top:.3rem}
th,td{border-bottom:1px solid var(--rule);padding:.25rem .6rem;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums}
th button{font:inherit;font-weight:600;background:none;border:0;padding:0;cursor:pointer;color:inherit}
th button::after{content:" \\2195";color:#999;font-weight:400}
th[aria-sort=ascending] button::after{content:" \\2191";color:var(--ink)}
th[aria-sort=descending] button::after{content:" \\2193";color:var(--ink)}
footer{margin-top:3rem;font-size:.8rem;color:var(--muted)}footer dl{display:grid;grid-template-columns:max-content 1fr;
 gap:.1rem 1rem}footer dd{margin:0;word-break:break-all}
@media print{
 body{max-width:none;padding:0;font-size:10.5pt;color:#000}
 nav.toc,th button::after{display:none}
 .answer{border:1px solid #000;background:none}
 a{color:#000;text-decoration:none}
 h2{break-after:avoid;page-break-after:avoid}
 figure img{border:0;max-height:22cm;width:auto;max-width:100%}
 .tablewrap{overflow:visible}table{break-inside:auto}tr{break-inside:avoid}
 @page{margin:1.5cm}
}
"""

# Sort on click (and Enter/Space, since the header is a button): numbers by data-sort, text by locale order.
SCRIPT = """
(function(){
  function value(td){var s=td.getAttribute('data-sort');return s===null?td.textContent.trim():parseFloat(s);}
  document.querySelectorAll('table.sortable').forEach(function(table){
    var ths=table.tHead.rows[0].cells;
    Array.prototype.forEach.call(ths,function(th,col){
      th.querySelector('button').addEventListener('click',function(){
        var asc=th.getAttribute('aria-sort')!=='ascending';
        Array.prototype.forEach.call(ths,function(o){o.removeAttribute('aria-sort');});
        th.setAttribute('aria-sort',asc?'ascending':'descending');
        var body=table.tBodies[0],rows=Array.prototype.slice.call(body.rows);
        rows.sort(function(a,b){
          var x=value(a.cells[col]),y=value(b.cells[col]),c;
          if(typeof x==='number'&&typeof y==='number'){c=(isNaN(x)?-Infinity:x)-(isNaN(y)?-Infinity:y);}
          else{c=String(x).localeCompare(String(y),undefined,{numeric:true});}
          return asc?c:-c;
        });
        rows.forEach(function(r){body.appendChild(r);});
      });
    });
  });
  // printed pages show every folded table
  window.addEventListener('beforeprint',function(){
    document.querySelectorAll('details').forEach(function(d){d.setAttribute('open','');});
  });
})();
"""


def _hash(script: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")


def page(title: str, body: str, *, toc: Sequence[tuple[str, str]] = (), footer: str = "") -> str:
    """The whole document: ``body`` and ``footer`` are markup built from escaped parts; ``title`` is plain text."""
    csp = (f"default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src '{_hash(SCRIPT)}'; "
           "base-uri 'none'; form-action 'none'")
    nav = ""
    if toc:
        nav = '<nav class="toc" aria-label="Contents">' + "".join(
            f'<div><a href="#{esc(sid)}">{esc(t)}</a></div>' for sid, t in toc) + "</nav>"
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{esc(title)}</title><style>{CSS}</style></head>\n<body>"
            f"{body.replace('<!--toc-->', nav, 1)}<footer>{footer}</footer><script>{SCRIPT}</script></body></html>\n")


def definition_list(items: Iterable[tuple[str, str]]) -> str:
    return "<dl>" + "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in items) + "</dl>"
