/// The stylesheet, the script and the icon, compiled into the binary: the pages load nothing
/// from anywhere else (no CDN, no web fonts), and the Content-Security-Policy allows only these.
enum Assets {
    struct Asset: Sendable {
        var type: String
        var body: String
    }

    static let all: [String: Asset] = [
        "app.css": Asset(type: "text/css; charset=utf-8", body: css),
        "app.js": Asset(type: "text/javascript; charset=utf-8", body: js),
    ]

    static let favicon = """
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#1d4f91"/>\
        <path d="M4 3h5l3 3v7H4z" fill="#fff"/></svg>
        """

    static let css = """
        :root{--ink:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg:#fff;--soft:#f6f8fa;--accent:#1d4f91;--mark:#ffe58a;--warn:#fde2cf;--ok:#e3f1e0}
        *{box-sizing:border-box}
        html{font-size:100%}
        body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Liberation Sans",sans-serif;color:var(--ink);background:var(--bg);line-height:1.5}
        a{color:var(--accent)}
        a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,summary:focus-visible{outline:3px solid #f5a623;outline-offset:2px}
        .skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5rem 1rem;z-index:10}
        .skip:focus{left:.5rem}
        header.top{background:var(--accent);color:#fff}
        header.top .bar{max-width:72rem;margin:0 auto;padding:.6rem 1rem;display:flex;flex-wrap:wrap;gap:.4rem 1.2rem;align-items:center}
        header.top a{color:#fff;text-decoration:none}
        header.top .brand{font-weight:700;font-size:1.15rem;margin-right:.8rem}
        header.top nav a{padding:.2rem .5rem;border-radius:4px}
        header.top nav a[aria-current=page]{background:rgba(255,255,255,.2)}
        header.top .lang{margin-left:auto;font-size:.9rem}
        main{max-width:72rem;margin:0 auto;padding:1rem}
        h1{font-size:1.5rem;margin:.5rem 0 1rem;overflow-wrap:anywhere}
        h2{font-size:1.1rem;margin:1.2rem 0 .5rem}
        form.search{display:flex;flex-wrap:wrap;gap:.5rem;align-items:flex-end;margin-bottom:.5rem}
        form.search .q{flex:1 1 20rem;display:flex;flex-direction:column}
        form.search .sort{display:flex;flex-direction:column}
        label{font-weight:600;font-size:.9rem}
        input[type=search],select{font:inherit;padding:.45rem .6rem;border:1px solid #8c959f;border-radius:6px;background:#fff;min-width:0}
        button{font:inherit;padding:.45rem 1rem;border:1px solid var(--accent);background:var(--accent);color:#fff;border-radius:6px;cursor:pointer}
        button.secondary{background:#fff;color:var(--accent)}
        .help{color:var(--muted);font-size:.85rem;margin:.2rem 0 1rem}
        .summary{font-weight:600;margin:.5rem 0}
        .notice{background:var(--soft);border-left:4px solid var(--accent);padding:.5rem .8rem;margin:.5rem 0}
        .chips{display:flex;flex-wrap:wrap;gap:.4rem;margin:.4rem 0;padding:0;list-style:none}
        .chips a{display:inline-block;border:1px solid var(--line);border-radius:999px;padding:.1rem .7rem;text-decoration:none;background:var(--soft)}
        .layout{display:flex;flex-wrap:wrap;gap:1.5rem;align-items:flex-start}
        .results{flex:1 1 30rem;min-width:0}
        aside.facets{flex:0 1 16rem;min-width:12rem}
        aside.facets h2{font-size:.95rem;margin:.8rem 0 .3rem;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
        aside.facets ul{list-style:none;margin:0;padding:0}
        aside.facets li{display:flex;justify-content:space-between;gap:.5rem;padding:.1rem 0}
        aside.facets li a{overflow-wrap:anywhere}
        .count{color:var(--muted);font-variant-numeric:tabular-nums}
        code.clause{display:block;font-size:.75rem;color:var(--muted)}
        ol.hits{list-style:none;padding:0;margin:0}
        ol.hits li{border-bottom:1px solid var(--line);padding:.8rem 0}
        ol.hits h3{font-size:1.08rem;margin:0;overflow-wrap:anywhere}
        .rank{color:var(--muted);font-weight:400;margin-right:.3rem}
        .meta{color:var(--muted);font-size:.9rem;margin:.15rem 0}
        .snippet{margin:.3rem 0}
        .path{font-size:.8rem;color:var(--muted);overflow-wrap:anywhere;margin:0}
        mark{background:var(--mark);color:inherit;padding:0 .1em;border-radius:2px}
        mark.current{outline:2px solid #b45309}
        .cite{border-bottom:2px dotted #6f42c1}
        .redacted{background:#24292f;color:#fff;padding:0 .2em}
        nav.pager{display:flex;gap:1rem;margin:1rem 0}
        table{border-collapse:collapse;width:100%;font-size:.9rem}
        .tablewrap{overflow-x:auto}
        th,td{border-bottom:1px solid var(--line);padding:.3rem .5rem;text-align:left;vertical-align:top}
        th{background:var(--soft);white-space:nowrap}
        th a{text-decoration:none;color:inherit}
        td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
        td.date{white-space:nowrap}
        td.path{overflow-wrap:anywhere;font-size:.8rem;color:var(--muted);min-width:12rem}
        td.stale{background:var(--warn)}
        td.ok{background:var(--ok)}
        td.none{color:#8c959f}
        dl.meta-table{display:grid;grid-template-columns:minmax(8rem,max-content) 1fr;gap:.2rem 1rem;margin:0}
        dl.meta-table dt{font-weight:600}
        dl.meta-table dd{margin:0;overflow-wrap:anywhere}
        .source{color:var(--muted);font-size:.8rem;margin-left:.4rem}
        .doc-actions{display:flex;flex-wrap:wrap;gap:.6rem;align-items:center;margin:.8rem 0;position:sticky;top:0;background:#fff;padding:.4rem 0;z-index:2}
        .doc-text{white-space:pre-wrap;overflow-wrap:anywhere;font-family:ui-serif,Georgia,"Noto Serif","Liberation Serif",serif;font-size:1rem;line-height:1.6;border-top:1px solid var(--line);padding-top:.8rem;max-width:48rem}
        .pageno{display:block;color:var(--muted);font-family:system-ui,sans-serif;font-size:.8rem;border-top:1px dashed var(--line);margin:.6rem 0 .2rem}
        form.filters{display:flex;flex-wrap:wrap;gap:.6rem;align-items:flex-end;margin:.5rem 0 1rem}
        form.filters div{display:flex;flex-direction:column}
        ul.flags li{margin:.2rem 0}
        pre.explain{background:var(--soft);padding:.8rem;overflow-x:auto;font-size:.85rem}
        svg{max-width:100%;height:auto}
        footer{max-width:72rem;margin:2rem auto;padding:0 1rem;color:var(--muted);font-size:.8rem}
        @media (max-width:40rem){main{padding:.6rem}aside.facets{flex-basis:100%}}
        """

    /// Match navigation on the document page: the Next/Previous buttons (and the `n`/`p` keys)
    /// move focus to the next or previous highlighted match. The page works without it (each
    /// match is also an anchor).
    static let js = """
        (function(){
          "use strict";
          var marks=[].slice.call(document.querySelectorAll("mark.hit"));
          var status=document.getElementById("match-status");
          var current=-1;
          function go(i){
            if(!marks.length)return;
            if(current>=0)marks[current].classList.remove("current");
            current=(i+marks.length)%marks.length;
            var m=marks[current];
            m.classList.add("current");
            m.setAttribute("tabindex","-1");
            m.scrollIntoView({block:"center"});
            m.focus({preventScroll:true});
            if(status)status.textContent=(current+1)+" / "+marks.length;
          }
          var next=document.getElementById("next-match"),prev=document.getElementById("prev-match");
          if(next){next.hidden=false;next.addEventListener("click",function(){go(current+1);});}
          if(prev){prev.hidden=false;prev.addEventListener("click",function(){go(current-1);});}
          document.addEventListener("keydown",function(e){
            var t=e.target&&e.target.tagName;
            if(t==="INPUT"||t==="SELECT"||t==="TEXTAREA"||e.ctrlKey||e.metaKey||e.altKey)return;
            if(e.key==="n"){go(current+1);e.preventDefault();}
            else if(e.key==="p"){go(current-1);e.preventDefault();}
          });
        })();
        """
}
