//! Snapshot tests: realistic bodies as editors write them, rendered (stored HTML, references,
//! warnings, plain text) and then filled with the `Newsroom` resolver.
//!
//! Snapshots must never be accepted without reading the diff: they are the output contract with
//! the theme's CSS.

use crate::support::{Newsroom, assert_safe};
use dateline_markup::{fill, render};

fn snapshot(name: &str, body: &str) {
    let rendered = render(body).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_safe(&rendered.html);
    let filled = fill(&rendered.html, &Newsroom);
    assert_safe(&filled);
    let summary = format!(
        "references: {:?}\nwarnings: {:#?}\ntext: {}\n",
        rendered.references, rendered.warnings, rendered.text
    );
    insta::assert_snapshot!(format!("{name}_stored"), rendered.html);
    insta::assert_snapshot!(format!("{name}_summary"), summary);
    insta::assert_snapshot!(format!("{name}_filled"), filled);
}

#[test]
fn news_story() {
    snapshot(
        "news_story",
        r#"Saudi Arabia and Iran agreed on Friday to restore diplomatic relations, in a deal brokered by China[^china] that ends seven years of estrangement.

::: photo 7
caption: Officials at the signing in Beijing on Friday
:::

The announcement followed four days of talks in Beijing between Saudi national security adviser Musaed Al-Aiban and his Iranian counterpart Ali Shamkhani.

READ MORE: #101

## What was agreed

The two countries will reopen embassies within two months. Both sides said they would respect "the sovereignty of states" and not interfere in each other's internal affairs.

| Country | Embassy closed | To reopen |
|---------|:--------------:|----------:|
| Saudi Arabia | 2016 | May 2023 |
| Iran | 2016 | May 2023 |

The move could ease tensions in Yemen, where the kingdom has fought the Houthis[^houthi] since 2015, and in Syria and Lebanon.

> This is a victory for dialogue and peace.
> -- Wang Yi, China's top diplomat

READ MORE: /business/2020/01/29/oil-prices-fall

READ MORE: https://www.example.com/world/2019/05/01/withdrawn-story/

[^china]: China is the largest buyer of Saudi oil.
[^houthi]: The Houthis, officially Ansar Allah, control much of northern Yemen.
"#,
    );
}

#[test]
fn feature_with_photos_and_notes() {
    snapshot(
        "feature",
        r#"# The last pearl divers of the Gulf

Before oil, there were pearls. For centuries the Gulf's economy rested on divers who held their breath for up to two minutes[^breath], and on the merchants who sold their harvest to Bombay and beyond.

::: photo https://cdn.example.com/archive/pearl-divers-1930.jpg
alt: Divers on the deck of a dhow, 1930s
caption: Divers rest between descents off Bahrain
agency: Getty Images
photographer: Unknown
size: 1600x1067
:::

Today only a handful of men still know the old techniques:

1. the **nose clip** (*fatam*) made of turtle shell;
2. a stone weight tied to the foot;
3. a basket (*dayyin*) for the oysters.

Some of them are now teaching ~~tourists~~ visitors. Find out more at www.pearling.example or read the [UNESCO listing](https://whc.unesco.org/en/list/1364/).

::: photo media:8
alt: An oyster opened on a wooden table, a small pearl inside
:::

::: photo 9
:::

READ MORE: /s/K2M7X9Q

Daesh[^daesh] never reached the pearling villages, but the collapse of the trade did more harm than any war[^breath].

[^breath]: Some divers trained to stay down for *three* minutes.
[^daesh]: Daesh (IS) is a terrorist group banned in many countries
[^spare]: A note the editor forgot about.
"#,
    );
}

#[test]
fn pasted_and_hostile_body() {
    snapshot(
        "pasted",
        r#"<p style="margin:0">Pasted from a word processor</p>

A link that is not allowed: [click me](javascript:alert(document.cookie)) and one that is: [our story](/world/2020/01/29/talks/).

<script>alert("x")</script>

Inline <img src=x onerror=alert(1)> and <a href="javascript:alert(1)">an anchor</a> stay visible as text.

READ MORE: the full story on our website

::: photo 7
alt: "Quoted" alt with <brackets> & ampersands
caption: <b>not bold</b>
:::

Regex for the curious: `[^a-z]` or \[^a-z].
"#,
    );
}
