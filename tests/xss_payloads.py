"""A generated corpus of hostile Markdown/HTML: every payload, if it ever ran, would call `window.__xss(N)`.

    from tests.xss_payloads import corpus
    for payload in corpus():   # Payload(number, family, text), numbered from 1
        ...

Families:
  - tag-event:   HTML tags x event-handler attributes, with case and separator tricks;
  - url:         dangerous URL schemes (javascript:, vbscript:, data:text/html) x encodings (entities, case,
                 tabs/newlines, leading spaces, percent-encoding) x Markdown contexts (inline links, autolinks,
                 images, reference links, link titles, code spans, raw HTML inline and in blocks, SVG/MathML hrefs);
  - mxss:        mutation-XSS shapes (noscript/title attributes, svg/math raw-text children, comments,
                 template, CDATA, processing instructions, namespace confusion);
  - markdown:    Markdown-specific breakouts (quotes in URLs and titles, HTML inside link text, code spans).

Numbers are stable for a given version of this file, so a failure names the payload: `corpus()[n - 1]`.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Payload:
    number: int
    family: str
    text: str

    def __str__(self):
        return f"#{self.number} [{self.family}] {self.text!r}"


CALL = "__xss({n})"

# Tags that can carry an event handler and a way to make the event fire without a user.
TAGS = [
    "img src=x",
    "svg",
    "body",
    "video src=x",
    "audio src=x",
    "input autofocus",
    "details open",
    "iframe",
    "object data=x",
    "marquee",
    "select autofocus",
    "a href=#",
]
EVENTS = ["onerror", "onload", "onfocus", "ontoggle", "onmouseover", "onanimationstart"]

# Ways of spelling the javascript: scheme that browsers still honour inside an attribute.
JS_SPELLINGS = [
    "javascript:",
    "JaVaScRiPt:",
    "jav&#x09;ascript:",
    "jav&#9;ascript:",
    "jav&#x0A;ascript:",
    "java\tscript:",
    " javascript:",
    "&#x6A;avascript:",
    "&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;",
    "javascript&colon;",
    "%6Aavascript:",
    "\x01javascript:",
]
VB_SPELLINGS = ["vbscript:", "VbScRiPt:", "vb&#x09;script:"]
DATA_URLS = [
    "data:text/html,<script>{call}</script>",
    "DATA:text/html;base64,PHNjcmlwdD5fX3hzcygxKTwvc2NyaXB0Pg==#{call}",
    "da&#x09;ta:text/html,<img src=x onerror={call}>",
]

# Markdown contexts a URL can sit in; {url} is the hostile URL.
URL_CONTEXTS = [
    "[click]({url})",
    "<{url}>",
    "![pic]({url})",
    "[ref link][r{n}]\n\n[r{n}]: {url}",
    '[titled]({url} "title")',
    "`[code]({url})`",
    '<a href="{url}">raw link</a>',
    '<div>\n<a href="{url}">block link</a>\n</div>',
    '<img src="{url}">',
    '<iframe src="{url}"></iframe>',
    '<form action="{url}"><button>go</button></form>',
    '<svg><a xlink:href="{url}"><text y="20">svg link</text></a></svg>',
    '<math><maction actiontype="statusline" xlink:href="{url}">m</maction></math>',
    '<object data="{url}"></object>',
    '<embed src="{url}">',
]

MXSS = [
    '<noscript><p title="</noscript><img src=x onerror={call}>">',
    "<svg><style><img src=x onerror={call}>",
    '<svg></p><style><a id="</style><img src=1 onerror={call}>">',
    "<math><mtext><table><mglyph><style><img src=x onerror={call}>",
    '<math><mtext><table><mglyph><style><!--</style><img title="--&gt;&lt;/mglyph&gt;&lt;img&Tab;src=1&Tab;'
    'onerror={call}&gt;">',
    "<!--><img src=x onerror={call}>-->",
    "<!--><img src=x onerror={call}>",
    "<!--!><img src=x onerror={call}>-->",
    "<!-- --!><img src=x onerror={call}>-->",
    "<? ><img src=x onerror={call}> ?>",
    "<![CDATA[><img src=x onerror={call}>]]>",
    "<template><img src=x onerror={call}></template>",
    "<template><style></template><img src=x onerror={call}>",
    '<form><math><mtext></form><form><mglyph><svg><mtext><style><path id="</style><img onerror={call} src>">',
    "<style><img src=x onerror={call}></style>",
    "<textarea></textarea><img src=x onerror={call}>",
    "<title><img src=x onerror={call}></title>",
    "<xmp><img src=x onerror={call}></xmp>",
    '<iframe srcdoc="&lt;img src=x onerror={call}&gt;"></iframe>',
    "<svg><script>{call}</script></svg>",
    "<script>{call}</script>",
    "<scr<script>ipt>{call}</scr</script>ipt>",
    "<svg><animate onbegin={call} attributeName=x dur=1s>",
    "<svg><set attributeName=onmouseover to={call}>",
    '<base href="javascript:{call}//">',
    '<meta http-equiv="refresh" content="0;url=javascript:{call}">',
    "<img src=x onerror={call}//",
    "<img src=`x` onerror=`{call}`>",
    "<img src=x onerror=&#x5F;&#x5F;xss({n})>",
    "<<img src=x onerror={call}>>",
    "<div style=\"background:url('javascript:{call}')\">styled</div>",
    '<a href="javascript&#58;{call}">colon entity</a>',
    "<noembed><img src=x onerror={call}></noembed>",
    "<noframes><img src=x onerror={call}></noframes>",
    "<plaintext><img src=x onerror={call}>",
    "<table><td><svg><foreignObject><img src=x onerror={call}></foreignObject></svg></td></table>",
    "<select><template><img src=x onerror={call}></template></select>",
    "<keygen autofocus onfocus={call}>",
    "<isindex type=image src=1 onerror={call}>",
    "<image src=x onerror={call}>",
]

MARKDOWN = [
    "[<img src=x onerror={call}>](http://example.com/)",
    '[x](http://example.com/"onmouseover="{call})',
    '<http://example.com/"onmouseover="{call}>',
    '![x"onerror="{call}](x)',
    '![x](x "a" onerror="{call}")',
    '[x](http://example.com/ "a" onmouseover="{call}")',
    '[x](http://example.com/ "a\\" onmouseover=\\"{call}")',
    "`<img src=x onerror={call}>`",
    "```\n<img src=x onerror={call}>\n```",
    "    <img src=x onerror={call}>",
    "> <img src=x onerror={call}>",
    "* <img src=x onerror={call}>",
    "**<img src=x onerror={call}>**",
    "_<img src=x onerror={call}>_",
    "<img src=x onerror={call}>\n===",
    "[x]: javascript:{call}\n\n[x]",
    "[x](<javascript:{call}>)",
    "[x](javascript://%0a{call})",
    "[x](javascript://example.com%0A{call})",
    'www.example.com/"onmouseover="{call}',
    "http://example.com/<img src=x onerror={call}>",
    '<a href="http://example.com/" onclick="{call}">x</a>',
    "&lt;img src=x onerror={call}&gt;",
    "\\<img src=x onerror={call}>",
]


def _fill(template, n):
    call = CALL.format(n=n)
    return template.replace("{call}", call).replace("{n}", str(n))


def corpus():
    """Every payload, numbered from 1 (always the same order)."""
    templates = []
    for tag in TAGS:
        for event in EVENTS:
            templates.append(("tag-event", f"<{tag} {event}={{call}}>"))
    # Case and separator tricks on the shapes most likely to slip through.
    templates += [
        ("tag-event", "<IMG SRC=x OnErRoR={call}>"),
        ("tag-event", "<img/src=x/onerror={call}>"),
        ("tag-event", "<img src=x onerror\n={call}>"),
        ("tag-event", "<img\tsrc=x\tonerror={call}>"),
        ("tag-event", '<img src=x onerror="{call}"'),
        ("tag-event", "<svg/onload={call}>"),
        ("tag-event", "<svg onload\x0c={call}>"),
        ("tag-event", "<details/open/ontoggle={call}>"),
    ]
    for context in URL_CONTEXTS:
        for spelling in JS_SPELLINGS:
            templates.append(("url", context.replace("{url}", spelling + "{call}")))
        for spelling in VB_SPELLINGS:
            templates.append(("url", context.replace("{url}", spelling + "{call}")))
        for data_url in DATA_URLS:
            templates.append(("url", context.replace("{url}", data_url)))
    templates += [("mxss", template) for template in MXSS]
    templates += [("markdown", template) for template in MARKDOWN]
    return [Payload(n, family, _fill(template, n)) for n, (family, template) in enumerate(templates, start=1)]


def short(payloads, limit):
    """The payloads that fit a field of `limit` characters (display names)."""
    return [payload for payload in payloads if len(payload.text) <= limit]


# Run over the DOM in the browser: everything a successful injection leaves behind, whether or not CSP
# stopped it from running. Returns a list of "what: where" strings; [] when the page is clean.
DOM_AUDIT_JS = r"""
() => {
  const problems = [];
  const urlAttributes = new Set(["href", "src", "action", "formaction", "data", "xlink:href", "poster",
                                  "background", "codebase", "cite", "longdesc", "dynsrc", "lowsrc", "to",
                                  "values", "from", "by"]);
  const forbidden = new Set(["iframe", "object", "embed", "base", "frame", "frameset", "applet", "svg",
                             "math", "template", "noscript", "style", "xmp", "plaintext", "noembed",
                             "noframes", "isindex", "keygen", "marquee", "video", "audio"]);
  const describe = (el) => el.outerHTML.slice(0, 160);
  const visit = (root) => {
    for (const el of root.querySelectorAll("*")) {
      const tag = el.localName.toLowerCase();
      if (forbidden.has(tag)) problems.push(`forbidden element <${tag}>: ${describe(el)}`);
      if (tag === "script") {
        const type = (el.getAttribute("type") || "").toLowerCase();
        const src = el.getAttribute("src") || "";
        const ours = type === "application/ld+json" || (src.startsWith("/static/") && !el.textContent.trim());
        if (!ours) problems.push(`script element: ${describe(el)}`);
      }
      if ((tag === "meta" || tag === "link") && el.closest("body")) problems.push(`<${tag}> in body: ${describe(el)}`);
      if (tag === "meta" && (el.getAttribute("http-equiv") || "").toLowerCase() === "refresh") {
        problems.push(`meta refresh: ${describe(el)}`);
      }
      for (const attr of el.attributes) {
        const name = attr.name.toLowerCase();
        const value = attr.value.replace(/[\u0000-\u0020\u007f-\u009f]+/g, "").toLowerCase();
        if (name.startsWith("on")) problems.push(`event attribute ${name}: ${describe(el)}`);
        if (name === "srcdoc") problems.push(`srcdoc: ${describe(el)}`);
        if (name === "style" && /(url\(|expression|javascript)/.test(value)) problems.push(`style: ${describe(el)}`);
        if ((urlAttributes.has(name) || name.endsWith(":href")) &&
            /^(javascript|vbscript|data|livescript|mocha):/.test(value)) {
          problems.push(`dangerous URL in ${name}: ${describe(el)}`);
        }
        if (tag === "form" && name === "action" && /^[a-z][a-z0-9+.-]*:/.test(value) &&
            !value.startsWith(location.origin.toLowerCase())) {
          problems.push(`foreign form action: ${describe(el)}`);
        }
      }
      if (tag === "template" && el.content) visit(el.content);
      if (el.shadowRoot) visit(el.shadowRoot);
    }
  };
  visit(document);
  return problems;
}
"""
