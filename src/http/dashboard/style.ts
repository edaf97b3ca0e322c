/** The dashboard's style sheet: system fonts only, one column on a phone, light and dark. */
export const DASHBOARD_CSS = `:root{--fg:#1b1b1b;--bg:#fdfdfb;--mut:#5c5c5c;--line:#d6d6d0;--pv:#b85f00;--ld:#1f5fae;--bt:#19794a;--warn:#fff3cd;--warnb:#b38600;--focus:#0b57d0}
@media (prefers-color-scheme:dark){:root{--fg:#ececec;--bg:#141414;--mut:#a9a9a9;--line:#3a3a3a;--pv:#ffa94d;--ld:#74a9ff;--bt:#5fd394;--warn:#3b3000;--warnb:#d9a900;--focus:#8ab4f8}}
*{box-sizing:border-box}
body{font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);margin:0 auto;max-width:64rem;padding:0 1rem 2rem}
h1{font-size:1.5rem;margin:1rem 0 .5rem}h2{font-size:1.2rem;margin:0 0 .5rem}h3{font-size:1rem;margin:.75rem 0 .25rem}
h1 small{font-size:.8rem;font-weight:600;padding:.1rem .4rem;border-radius:.3rem;vertical-align:middle;border:1px solid}
.st-ok{color:var(--bt)}.st-degraded{color:var(--warnb)}
a{color:var(--ld)}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
section:focus,main:focus{outline:none}section:focus-visible{outline:3px solid var(--focus)}
.skip{position:absolute;left:-999px;top:0;background:var(--bg);padding:.5rem;z-index:1}.skip:focus{left:.5rem}
nav ul{list-style:none;display:flex;flex-wrap:wrap;gap:.25rem 1rem;padding:0;margin:.25rem 0 .75rem}
nav a{display:inline-block;padding:.25rem 0}
section{border-top:1px solid var(--line);padding:.75rem 0}
.sim,.warn{background:var(--warn);border:1px solid var(--warnb);padding:.4rem .8rem;border-radius:.3rem}
dl.warn,div.warn{margin:.25rem 0}
.now{display:grid;grid-template-columns:repeat(auto-fit,minmax(9rem,1fr));gap:.5rem;margin:0}
.now div{border:1px solid var(--line);border-radius:.4rem;padding:.4rem .6rem}
.now dt{font-size:.85rem;color:var(--mut)}.now dd{margin:0;font-size:1.35rem;font-variant-numeric:tabular-nums}
meter{width:100%;height:.8rem;display:block}
.upd{animation:f 1.5s}@keyframes f{from{background:var(--warn)}to{background:transparent}}
@media (prefers-reduced-motion:reduce){.upd{animation:none}}
.kv{margin:0}.kv div{display:flex;flex-wrap:wrap;gap:0 .75rem;padding:.2rem 0;border-bottom:1px dotted var(--line)}
.kv dt{min-width:10rem;font-weight:600}.kv dd{margin:0}.kv div.warn{border-radius:0}
.na{color:var(--mut);font-style:italic}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
caption{text-align:left;color:var(--mut);font-size:.9rem}
th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid var(--line);white-space:nowrap}
.r-yes{color:var(--bt)}.r-no{color:#c0392b}
.charts{display:grid;gap:0 1.5rem}@media (min-width:48rem){.charts{grid-template-columns:1fr 1fr}}.charts h3{grid-column:1/-1}
.chart{margin:0 0 .5rem}.chart figcaption{font-size:.9rem;color:var(--mut)}
.chart svg{width:100%;height:auto;display:block;overflow:visible}
.chart text{font-size:14px;fill:var(--mut)}.chart path{fill:none;stroke-width:2;vector-effect:non-scaling-stroke}
.chart .g{stroke:var(--line);vector-effect:non-scaling-stroke}
path.pv{stroke:var(--pv)}path.ld{stroke:var(--ld)}path.bt{stroke:var(--bt)}
.legend{margin:0;font-size:.85rem}.k::before{content:"";display:inline-block;width:1rem;height:3px;margin:0 .3rem .2rem 0;vertical-align:middle;background:currentColor}
.k.pv{color:var(--pv)}.k.ld{color:var(--ld)}.k.bt{color:var(--bt)}
.reasons{padding-left:1.2rem}
.lite{font-size:.9rem}
footer{border-top:1px solid var(--line);color:var(--mut);font-size:.85rem}
@media (max-width:30rem){body{padding:0 .6rem 1rem}.kv dt{min-width:100%}}
`;
