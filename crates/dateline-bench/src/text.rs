//! Deterministic pseudo-random news copy for the seeded site: a small PRNG (SplitMix64, so the
//! crate needs no `rand`), headlines, standfirsts and ~500-word bodies in the editors' dialect
//! with subheadings, quotes, READ MORE lines and the odd library photo.
//!
//! The same seed always gives the same site, so figures from different machines compare.

/// SplitMix64: tiny, fast, and good enough for picking words.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        // Multiply-shift: unbiased enough for n far below 2^64.
        ((u128::from(self.next_u64()) * u128::from(n.max(1))) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi.saturating_sub(lo) + 1)
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// An index skewed towards the start (roughly Zipf-like), for popular tags and sections.
    pub fn skewed(&mut self, n: usize) -> usize {
        let a = self.below(n as u64);
        let b = self.below(n as u64);
        a.min(b) as usize
    }
}

pub const NOUNS: &[&str] = &[
    "minister",
    "council",
    "harbour",
    "report",
    "inquiry",
    "budget",
    "court",
    "election",
    "ceasefire",
    "league",
    "museum",
    "festival",
    "strike",
    "tariff",
    "pipeline",
    "reservoir",
    "satellite",
    "vaccine",
    "orchestra",
    "railway",
    "bridge",
    "treaty",
    "market",
    "refinery",
    "university",
    "hospital",
    "union",
    "ferry",
    "airport",
    "parliament",
    "coalition",
    "summit",
    "storm",
    "drought",
    "harvest",
    "exhibition",
    "championship",
    "regulator",
    "bank",
    "currency",
    "archive",
    "cathedral",
    "stadium",
    "laboratory",
    "telescope",
    "border",
    "convoy",
    "tribunal",
    "shipyard",
    "theatre",
    "novel",
    "album",
    "manifesto",
    "referendum",
    "pension",
    "school",
];

pub const ADJECTIVES: &[&str] = &[
    "new",
    "former",
    "regional",
    "northern",
    "southern",
    "coastal",
    "national",
    "independent",
    "record",
    "emergency",
    "disputed",
    "historic",
    "rural",
    "leading",
    "senior",
    "unexpected",
    "long-awaited",
    "controversial",
    "annual",
    "joint",
    "temporary",
    "final",
    "early",
    "modest",
    "sharp",
    "quiet",
    "public",
    "private",
    "local",
    "international",
    "small",
    "major",
];

const VERBS: &[&str] = &[
    "approves",
    "rejects",
    "delays",
    "announces",
    "reopens",
    "extends",
    "confirms",
    "warns",
    "backs",
    "questions",
    "expands",
    "cuts",
    "wins",
    "loses",
    "signs",
    "suspends",
    "launches",
    "doubles",
    "reviews",
    "blocks",
    "funds",
    "restores",
    "opens",
    "closes",
    "defends",
    "names",
];

pub const PLACES: &[&str] = &[
    "Velmora",
    "Qasrin",
    "Stornoway",
    "Halden",
    "Aberlow",
    "Kestrel Bay",
    "Marrowby",
    "Tarsen",
    "Wadi Sarraf",
    "Port Ellery",
    "Lindqvist",
    "Cape Orrin",
    "Dunmere",
    "Saltash Vale",
    "Oskarby",
    "New Harrow",
    "Brennock",
    "Castelmar",
    "Eastmoor",
    "Rayne",
];

const FILLER: &[&str] = &[
    "the",
    "a",
    "of",
    "in",
    "on",
    "for",
    "with",
    "after",
    "before",
    "and",
    "but",
    "while",
    "said",
    "told",
    "reporters",
    "on Tuesday",
    "last week",
    "this year",
    "officials",
    "residents",
    "according to",
    "figures",
    "published",
    "by",
    "its",
    "their",
    "more than",
    "nearly",
    "at least",
    "about",
    "under",
    "over",
    "plans",
    "talks",
    "months",
    "years",
    "people",
    "local",
    "government",
    "company",
    "spokesperson",
    "statement",
    "earlier",
    "later",
    "was",
    "were",
    "had",
    "has",
    "would",
    "could",
    "expected",
    "likely",
    "agreed",
    "between",
];

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A headline such as "Velmora council approves new harbour budget".
pub fn headline(rng: &mut Rng) -> String {
    let place = rng.pick(PLACES);
    let subject = rng.pick(NOUNS);
    let verb = rng.pick(VERBS);
    let adj = rng.pick(ADJECTIVES);
    let object = rng.pick(NOUNS);
    let tail = if rng.chance(40) {
        format!(" after {} {}", rng.pick(ADJECTIVES), rng.pick(NOUNS))
    } else {
        String::new()
    };
    format!("{place} {subject} {verb} {adj} {object}{tail}")
}

/// One sentence of 8–22 words.
pub fn sentence(rng: &mut Rng) -> String {
    let n = rng.range(8, 22);
    let mut words: Vec<&str> = Vec::with_capacity(n as usize);
    for i in 0..n {
        let w = match (i, rng.below(10)) {
            (0, _) => rng.pick(&["The", "A", "Officials", "Residents", "Its"][..]),
            (_, 0..=2) => rng.pick(NOUNS),
            (_, 3) => rng.pick(ADJECTIVES),
            (_, 4) => rng.pick(VERBS),
            (_, 5) => rng.pick(PLACES),
            _ => rng.pick(FILLER),
        };
        words.push(w);
    }
    let mut s = words.join(" ");
    if rng.chance(15) {
        s.push_str(&format!(", {} per cent", rng.range(2, 95)));
    }
    s.push('.');
    s
}

pub fn paragraph(rng: &mut Rng, sentences: u64) -> String {
    (0..sentences)
        .map(|_| sentence(rng))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Things a body may point at, chosen by the caller from what already exists.
#[derive(Debug, Clone, Default)]
pub struct BodyRefs {
    /// READ MORE lines, already written (`READ MORE: #12` or `READ MORE: /world/…/`).
    pub read_more: Vec<String>,
    /// A library photo to show in the body, with a caption.
    pub photo: Option<i64>,
}

/// A body of about `words` words: paragraphs, a subheading or two, a quote, the READ MORE
/// lines after the second paragraph and the photo after the third.
pub fn body(rng: &mut Rng, words: usize, refs: &BodyRefs) -> String {
    let mut out = String::with_capacity(words * 8);
    let mut written = 0usize;
    let mut paragraphs = 0usize;
    while written < words {
        let sentences = rng.range(2, 4);
        let p = paragraph(rng, sentences);
        written += p.split(' ').count();
        out.push_str(&p);
        out.push_str("\n\n");
        paragraphs += 1;
        if paragraphs == 2 {
            for line in &refs.read_more {
                out.push_str(line);
                out.push_str("\n\n");
            }
        }
        if paragraphs == 3
            && let Some(id) = refs.photo
        {
            out.push_str(&format!(
                "::: photo {id}\ncaption: {}\n:::\n\n",
                sentence(rng)
            ));
        }
        if paragraphs.is_multiple_of(4) && written < words {
            let (adj, noun) = (rng.pick(ADJECTIVES), rng.pick(NOUNS));
            out.push_str(&format!("# {}\n\n", capitalise(&format!("{adj} {noun}"))));
        }
        if paragraphs == 5 {
            let (quote, after) = (sentence(rng), sentence(rng));
            out.push_str(&format!("> \"{quote}\" {after}\n\n"));
        }
    }
    out
}

/// A person's name.
pub fn name(rng: &mut Rng) -> String {
    const FIRST: &[&str] = &[
        "Sofia", "Karim", "Ingrid", "Ruairi", "Temi", "Clara", "Jesse", "Morag", "Samir",
        "Beatrice", "Tomas", "Aiko", "Priya", "Owen", "Lucia", "Mateus", "Hana", "Felix", "Nadia",
        "Emeka",
    ];
    const LAST: &[&str] = &[
        "Marchetti",
        "Nassar",
        "Solberg",
        "Dalgleish",
        "Adeyinka",
        "Benning",
        "van Rooyen",
        "Lennie",
        "Kattan",
        "Onwuka",
        "Lindgren",
        "Sato",
        "Raman",
        "Pryce",
        "Ferreira",
        "Costa",
        "Novak",
        "Brandt",
        "Haddad",
        "Okafor",
    ];
    format!("{} {}", rng.pick(FIRST), rng.pick(LAST))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_copy() {
        let a = body(&mut Rng::new(7), 500, &BodyRefs::default());
        let b = body(&mut Rng::new(7), 500, &BodyRefs::default());
        assert_eq!(a, b);
        assert_ne!(a, body(&mut Rng::new(8), 500, &BodyRefs::default()));
    }

    #[test]
    fn bodies_are_about_the_asked_length_and_carry_their_references() {
        let refs = BodyRefs {
            read_more: vec!["READ MORE: #3".to_owned()],
            photo: Some(9),
        };
        let b = body(&mut Rng::new(1), 500, &refs);
        let words = b.split_whitespace().count();
        assert!((480..700).contains(&words), "{words} words");
        assert!(b.contains("\n\nREAD MORE: #3\n\n"));
        assert!(b.contains("::: photo 9\ncaption: "));
    }

    #[test]
    fn ranges_stay_in_bounds() {
        let mut r = Rng::new(3);
        for _ in 0..10_000 {
            let v = r.range(2, 4);
            assert!((2..=4).contains(&v));
            assert!(r.skewed(30) < 30);
        }
    }
}
