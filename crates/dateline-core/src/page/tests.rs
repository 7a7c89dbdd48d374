use super::*;

#[test]
fn pages_parse_within_bounds() {
    assert_eq!(
        PageRequest::parse(None, None, 20, 100),
        Ok(PageRequest {
            page: 1,
            per_page: 20
        })
    );
    assert_eq!(
        PageRequest::parse(Some("3"), Some("100"), 20, 100).map(|p| p.offset()),
        Ok(200)
    );
    for bad in ["abc", "-1", "0", "99999999999", "1.5", "10001"] {
        assert_eq!(
            PageRequest::parse(Some(bad), None, 20, 100),
            Err(PageError::Page),
            "{bad}"
        );
    }
    assert_eq!(
        PageRequest::parse(None, Some("101"), 20, 100),
        Err(PageError::PerPage(100))
    );
}

#[test]
fn page_counts() {
    let p = Paged {
        items: vec![1],
        page: 1,
        per_page: 20,
        total: 41,
    };
    assert_eq!(p.pages(), 3);
    assert!(p.has_next());
    assert!(!p.has_prev());
    let empty: Paged<i32> = Paged {
        items: vec![],
        page: 1,
        per_page: 20,
        total: 0,
    };
    assert_eq!(empty.pages(), 1);
    assert!(!empty.has_next());
}
