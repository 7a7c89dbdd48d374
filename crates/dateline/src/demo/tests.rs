use super::*;

#[test]
fn the_demo_is_complete_and_consistent() {
    let stories = stories().expect("stories parse");
    assert!(stories.len() >= 40, "{} stories", stories.len());
    let sections: SectionsFile =
        toml::from_str(&file("sections.toml").expect("file")).expect("toml");
    assert!(sections.section.len() >= 5);
    let authors: std::collections::HashSet<_> = stories
        .iter()
        .flat_map(|s| s.front.authors.clone())
        .collect();
    assert!(authors.len() >= 3);
    let with = |needle: &str| stories.iter().filter(|s| s.body.contains(needle)).count();
    assert!(with("READ MORE: @") >= 10);
    assert!(with("::: photo @") >= 3);
    assert!(with("[^") >= 3);
    let photos: PhotosFile = toml::from_str(&file("photos.toml").expect("file")).expect("toml");
    let credited = photos
        .photo
        .iter()
        .filter(|p| !p.agency.is_empty() || !p.photographer.is_empty())
        .count();
    assert!(credited >= 30, "{credited} credited photos");
}

#[test]
fn demo_references_become_ids() {
    let ids = HashMap::from([("a-story".to_owned(), ArticleId(7))]);
    let media = HashMap::from([("p1".to_owned(), MediaId(3))]);
    let out = resolve_refs("x\nREAD MORE: @a-story\n::: photo @p1\n:::\n", &ids, &media)
        .expect("resolves");
    assert_eq!(out, "x\nREAD MORE: #7\n::: photo 3\n:::\n");
    assert!(resolve_refs("READ MORE: @nope\n", &ids, &media).is_err());
}

#[test]
fn the_demo_pages_parse_and_render() {
    let mut names: Vec<String> = DemoFiles::iter()
        .filter(|n| n.starts_with("pages/") && n.ends_with(".md"))
        .map(|n| n.to_string())
        .collect();
    names.sort();
    let mut titles = Vec::new();
    for n in &names {
        let (front, body) = front_and_body(n).expect("front matter");
        let f: PageFront = toml::from_str(&front).expect("page front matter");
        let r = dateline_web::body::prepare(&body).expect("the page renders");
        assert!(r.warnings.is_empty(), "{n}: {:?}", r.warnings);
        assert!(!f.description.is_empty(), "{n} has a description");
        titles.push(f.title);
    }
    assert_eq!(
        titles,
        ["About us", "Contact", "Corrections policy", "Privacy"]
    );
}
