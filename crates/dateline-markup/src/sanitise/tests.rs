//! Unit tests: the allow-list admits exactly the renderer's output and nothing dangerous.
//!
//! Tests here must never add an allowed tag or attribute without a renderer test that produces it.

use super::*;
use crate::render::render_unsanitised;

#[test]
fn renderer_output_passes_unchanged() {
    // Every construct the writer can produce; the allow-list must admit all of it as is.
    let body = r#"# Heading
## Sub
###### Deep

Text *em* **strong** ~~del~~ `code` <b>raw</b> & a [link](https://example.com/a?b=1&c=2),
a [local one](/world/), [mail](mailto:desk@example.com), www.example.com and a hard break\
here. A note[^n] twice[^n], another[^m].

> Quote
> - list in quote

1. one
2. two

3) three
4) four

- a

  b
- c

```
code <block>
```

<div>html block</div>

| L | C | R | N |
|:--|:-:|--:|---|
| 1 | 2 | 3 | 4 |

---

READ MORE: #1

READ MORE: /world/2020/01/29/slug/

READ MORE: /s/k2m

::: photo 9
alt: Alt "quoted" <tag>
caption: Caption & more
:::

::: photo /media/x.jpg
alt: File
caption: C
agency: Reuters
size: 100x50
:::

[^n]: Note with *em* and [a link](https://example.com).
[^m]: Second.

    Second paragraph.
"#;
    let raw = render_unsanitised(body).expect("valid body").html;
    assert_eq!(sanitise(&raw), raw);
}

#[test]
fn drops_what_the_renderer_never_emits() {
    let cases = [
        ("<script>alert(1)</script><p>x</p>", "<p>x</p>"),
        ("<p onclick=\"x()\" style=\"color:red\">x</p>", "<p>x</p>"),
        ("<a href=\"javascript:alert(1)\">x</a>", "<a>x</a>"),
        ("<a href=\"data:text/html,x\">x</a>", "<a>x</a>"),
        ("<a href=\"/out?to=javascript:alert(1)\">x</a>", "<a>x</a>"),
        (
            "<a href=\"https://x.test/\" rel=\"opener\" target=\"_blank\">x</a>",
            "<a href=\"https://x.test/\">x</a>",
        ),
        ("<img src=\"javascript:x\" onerror=\"alert(1)\">", "<img>"),
        (
            "<p class=\"footnote evil\" id=\"main\">x</p>",
            "<p class=\"footnote\">x</p>",
        ),
        ("<a id=\"fnref-\">x</a>", "<a>x</a>"),
        ("<h1>x</h1>", "x"),
        ("<iframe src=\"https://x\"></iframe>", ""),
        (
            "<dateline-readmore data-ref=\"url:javascript:x\" onclick=\"y\"></dateline-readmore>",
            "<dateline-readmore></dateline-readmore>",
        ),
        (
            "<dateline-photo data-media=\"1 onload=x\"></dateline-photo>",
            "<dateline-photo></dateline-photo>",
        ),
        ("<img loading=\"eager\" width=\"100%\">", "<img>"),
        ("<!-- comment -->x", "x"),
        ("<svg><script>alert(1)</script></svg>", ""),
    ];
    for (input, want) in cases {
        assert_eq!(sanitise(input), want, "{input}");
    }
}

#[test]
fn attribute_values_keep_angle_brackets_escaped() {
    // The serialiser must escape `<` in attributes: `fill` relies on never meeting a raw `<`
    // outside a tag.
    let out = sanitise(
        "<dateline-photo data-media=\"1\" data-alt=\"&lt;dateline-readmore&gt;\"></dateline-photo>",
    );
    assert_eq!(out.matches('<').count(), 2, "{out}");
}
