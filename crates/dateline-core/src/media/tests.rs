use super::*;

fn credit(a: &str, p: &str, c: &str) -> Credit {
    Credit::new(a, p, c)
}

#[test]
fn credit_line_joins_the_parts_it_has() {
    assert_eq!(
        credit("Reuters", "Bandar Algaloud", "Saudi Royal Court").to_string(),
        "© REUTERS / Bandar Algaloud / Courtesy of Saudi Royal Court"
    );
    assert_eq!(credit("AFP", "", "").to_string(), "© AFP");
    assert_eq!(credit("", "Jane Doe", "").to_string(), "© Jane Doe");
    assert_eq!(credit("", "", "NASA").to_string(), "© Courtesy of NASA");
    assert_eq!(
        credit("ap ", "", " NASA").to_string(),
        "© AP / Courtesy of NASA"
    );
    assert_eq!(credit(" ", "", "").to_string(), "");
    assert!(credit("", " ", "").is_empty());
}

#[test]
fn a_credit_given_as_printed_is_shown_as_printed() {
    let line = "© REUTERS / Bandar Algaloud/Courtesy of Saudi Royal Court";
    let c = credit("Reuters", "Bandar Algaloud", "").with_printed(format!(" {line} "));
    assert_eq!(c.to_string(), line);
    assert!(!Credit::default().with_printed("© AP").is_empty());
    // Emptied, the line is composed from the parts again.
    assert_eq!(
        c.with_printed("").to_string(),
        "© REUTERS / Bandar Algaloud"
    );
}

#[test]
fn variants_give_srcset_and_a_src_within_bounds() {
    let m = Media {
        id: MediaId(1),
        hash: "abc".into(),
        mime: "image/jpeg".into(),
        width: 1600,
        height: 900,
        alt: String::new(),
        caption: String::new(),
        credit: Credit::default(),
        variants: vec![320, 640, 1024, 1600],
        formats: Vec::new(),
        file_name: None,
    };
    assert!(
        m.sources().is_empty(),
        "a photo from before AVIF offers only its own format"
    );
    assert_eq!(
        m.srcset(),
        "/media/abc-320.jpg 320w, /media/abc-640.jpg 640w, /media/abc-1024.jpg 1024w, /media/abc-1600.jpg 1600w"
    );
    assert_eq!(m.src_for(1024), "/media/abc-1024.jpg");
    assert_eq!(m.src_for(100), "/media/abc-320.jpg");
    assert_eq!(m.height_at(640), 360);
}

#[test]
fn sources_offer_the_extra_formats_a_photo_has_but_not_its_own() {
    let mut m = Media {
        id: MediaId(1),
        hash: "abc".into(),
        mime: "image/jpeg".into(),
        width: 700,
        height: 350,
        alt: String::new(),
        caption: String::new(),
        credit: Credit::default(),
        variants: vec![320, 640],
        formats: vec![Extra::Avif, Extra::Webp],
        file_name: None,
    };
    assert_eq!(
        m.sources(),
        vec![
            (
                "image/avif",
                "/media/abc-320.avif 320w, /media/abc-640.avif 640w".to_owned()
            ),
            (
                "image/webp",
                "/media/abc-320.webp 320w, /media/abc-640.webp 640w".to_owned()
            ),
        ]
    );
    // The plain image stays in the upload's format, for feeds and old browsers.
    assert_eq!(m.src_for(640), "/media/abc-640.jpg");
    m.mime = "image/webp".into();
    assert_eq!(
        m.sources().len(),
        1,
        "a WebP upload's <img> is WebP already"
    );
}
