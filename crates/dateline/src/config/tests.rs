use super::*;

/// `serve`'s settings without the global `--log-format` flag.
fn resolve(a: ServeArgs) -> anyhow::Result<Settings> {
    super::resolve(a, None)
}

fn args(extra: &[&str]) -> ServeArgs {
    let mut argv = vec!["dateline", "serve"];
    argv.extend_from_slice(extra);
    match Cli::try_parse_from(argv).expect("parses").command {
        Command::Serve(a) => a,
        other => panic!("`serve` parsed as {other:?}"),
    }
}

#[test]
fn flags_beat_the_file_and_defaults_fill_the_rest() {
    let dir = std::env::temp_dir().join(format!("dateline-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(
        dir.join("dateline.toml"),
        "listen = \"127.0.0.1:9000\"\ncache_mb = 8\n[site]\nname = \"Herald\"\n",
    )
    .expect("write");
    let data = dir.to_string_lossy().to_string();
    let s = resolve(args(&["--data", &data, "--listen", "127.0.0.1:9100"])).expect("resolves");
    assert_eq!(s.listen.port(), 9100);
    assert_eq!(s.base_url, "http://127.0.0.1:9100");
    assert_eq!(s.cache_bytes, 8 * 1024 * 1024);
    assert_eq!(s.media_max_bytes, 25 * 1024 * 1024);
    let s = resolve(args(&["--data", &data, "--media-max-mb", "3"])).expect("resolves");
    assert_eq!(s.media_max_bytes, 3 * 1024 * 1024);
    assert!(resolve(args(&["--data", &data, "--media-max-mb", "0"])).is_err());
    assert_eq!(s.media_max_megapixels, 50);
    let s = resolve(args(&["--data", &data, "--media-max-megapixels", "12"])).expect("resolves");
    assert_eq!(s.media_max_megapixels, 12);
    assert!(resolve(args(&["--data", &data, "--media-max-megapixels", "0"])).is_err());
    assert!(resolve(args(&["--data", &data, "--media-max-megapixels", "145"])).is_err());
    use dateline_core::media::Extra;
    assert_eq!(s.media_formats, [Extra::Avif, Extra::Webp]);
    for (given, wanted) in [
        ("webp", vec![Extra::Webp]),
        ("WebP, avif", vec![Extra::Avif, Extra::Webp]),
        ("none", vec![]),
        ("avif,avif", vec![Extra::Avif]),
    ] {
        let s = resolve(args(&["--data", &data, "--media-formats", given])).expect("resolves");
        assert_eq!(s.media_formats, wanted, "{given}");
    }
    let e = resolve(args(&["--data", &data, "--media-formats", "avif,jpegxl"]))
        .expect_err("an unknown format");
    assert!(e.to_string().contains("\"jpegxl\""), "{e}");
    assert_eq!(s.site.name.as_deref(), Some("Herald"));
    assert_eq!(s.shutdown_grace, Duration::from_secs(5));
    let s = resolve(args(&["--data", &data, "--shutdown-grace", "0"])).expect("resolves");
    assert_eq!(s.shutdown_grace, Duration::ZERO);
    assert!(resolve(args(&["--data", &data, "--shutdown-grace", "301"])).is_err());
    assert_eq!(s.presence_ping, Duration::from_secs(20));
    let s = resolve(args(&["--data", &data, "--presence-ping", "1"])).expect("resolves");
    assert_eq!(s.presence_ping, Duration::from_secs(1));
    assert!(resolve(args(&["--data", &data, "--presence-ping", "0"])).is_err());
    assert!(resolve(args(&["--data", &data, "--presence-ping", "31"])).is_err());
    assert!(s.database.starts_with("sqlite://"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn unknown_keys_and_bad_values_are_refused_with_a_reason() {
    let dir = std::env::temp_dir().join(format!("dateline-config-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("dateline.toml"), "lisen = \"x\"\n").expect("write");
    let data = dir.to_string_lossy().to_string();
    let err = resolve(args(&["--data", &data])).expect_err("typo refused");
    assert!(format!("{err:#}").contains("lisen"), "{err:#}");
    std::fs::write(
        dir.join("dateline.toml"),
        "[site]\ntime_zone = \"Mars/Base\"\n",
    )
    .expect("write");
    let err = resolve(args(&["--data", &data])).expect_err("bad zone refused");
    assert!(format!("{err:#}").contains("Mars/Base"), "{err:#}");
    std::fs::write(
        dir.join("dateline.toml"),
        "[site]\nfeed_content = \"excerpt\"\n",
    )
    .expect("write");
    let err = resolve(args(&["--data", &data])).expect_err("bad feed_content refused");
    assert!(
        format!("{err:#}").contains("excerpt") && format!("{err:#}").contains("summary"),
        "{err:#}"
    );
    std::fs::write(
        dir.join("dateline.toml"),
        "[site]\nfeed_content = \"summary\"\n",
    )
    .expect("write");
    let s = resolve(args(&["--data", &data])).expect("summary is a feed_content");
    assert_eq!(
        s.site.feed_content,
        Some(dateline_core::site::FeedContent::Summary)
    );
    let err = resolve(args(&["--data", &data, "--database", "mysql://x"])).expect_err("bad url");
    assert!(format!("{err:#}").contains("postgres"), "{err:#}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_example_file_parses_and_states_the_defaults() {
    let text = include_str!("../../../../dateline.example.toml");
    let file: FileConfig = toml::from_str(text).expect("the example parses");
    let dir = std::env::temp_dir().join(format!("dateline-config-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("example.toml");
    std::fs::write(&path, text).expect("write");
    let from_file = resolve(args(&["--config", &path.to_string_lossy()])).expect("resolves");
    let empty = dir.join("empty.toml");
    std::fs::write(&empty, "").expect("write");
    let defaults = resolve(args(&["--config", &empty.to_string_lossy()])).expect("resolves");
    assert_eq!(file.data.as_deref(), Some(defaults.data.as_path()));
    assert_eq!(from_file.data, defaults.data);
    assert_eq!(from_file.listen, defaults.listen);
    assert_eq!(from_file.database, defaults.database);
    assert_eq!(from_file.base_url, defaults.base_url);
    assert_eq!(from_file.cache_bytes, defaults.cache_bytes);
    assert_eq!(from_file.media_max_bytes, defaults.media_max_bytes);
    assert_eq!(file.media_max_mb, Some(25));
    assert_eq!(
        from_file.media_max_megapixels,
        defaults.media_max_megapixels
    );
    assert_eq!(file.media_max_megapixels, Some(50));
    assert_eq!(from_file.media_formats, defaults.media_formats);
    assert_eq!(file.media_formats.as_deref(), Some("avif,webp"));
    assert_eq!(from_file.shutdown_grace, defaults.shutdown_grace);
    assert_eq!(file.shutdown_grace, Some(DEFAULT_SHUTDOWN_GRACE));
    assert_eq!(from_file.presence_ping, defaults.presence_ping);
    assert_eq!(file.presence_ping, Some(DEFAULT_PRESENCE_PING));
    assert_eq!(from_file.theme, defaults.theme);
    assert!(from_file.smtp.is_none() && defaults.smtp.is_none());
    assert!(from_file.node_name.is_none() && defaults.node_name.is_none());
    assert_eq!(from_file.media.place, defaults.media.place);
    assert_eq!(from_file.media.public_base_url, None);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_media_store_comes_from_flags_the_file_or_the_data_folder() {
    use dateline_web::media::store::Place;
    let dir = std::env::temp_dir().join(format!("dateline-config-media-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let data = dir.to_string_lossy().to_string();
    let write = |text: &str| std::fs::write(dir.join("dateline.toml"), text).expect("write");
    write("");
    let s = resolve(args(&["--data", &data])).expect("resolves");
    assert_eq!(s.media.place, Place::Local(dir.join("media")));
    // The short form, then the table with the S3 details; a flag beats both.
    write("media_store = \"s3://from-file/site\"\n");
    let s = resolve(args(&["--data", &data])).expect("resolves");
    assert_eq!(
        s.media.place,
        Place::S3 {
            bucket: "from-file".into(),
            prefix: "site".into()
        }
    );
    write(
        "[media_store]\nurl = \"s3://table-bucket\"\nendpoint = \"http://127.0.0.1:9000\"\n\
         allow_http = true\nregion = \"eu-west-2\"\naccess_key_id = \"AKID\"\n\
         secret_access_key = \"file-secret\"\npublic_base_url = \"https://cdn.example/m/\"\n",
    );
    let s = resolve(args(&["--data", &data])).expect("resolves");
    assert_eq!(
        s.media.place,
        Place::S3 {
            bucket: "table-bucket".into(),
            prefix: String::new()
        }
    );
    assert_eq!(s.media.s3.region.as_deref(), Some("eu-west-2"));
    assert_eq!(
        s.media.public_base_url.as_deref(),
        Some("https://cdn.example/m")
    );
    // The secret never shows in the settings' Debug (which a log line might print).
    let shown = format!("{s:?}");
    assert!(!shown.contains("file-secret"), "{shown}");
    let s = resolve(args(&[
        "--data",
        &data,
        "--media-store",
        "s3://from-flag/x",
        "--media-store-region",
        "us-west-1",
    ]))
    .expect("resolves");
    assert_eq!(
        s.media.place,
        Place::S3 {
            bucket: "from-flag".into(),
            prefix: "x".into()
        }
    );
    assert_eq!(s.media.s3.region.as_deref(), Some("us-west-1"));
    // Mistakes are sentences naming the setting.
    for (text, words) in [
        ("media_store = \"ftp://x/y\"\n", "scheme ftp://"),
        ("media_store = 3\n", "must be a string"),
        ("[media_store]\nbucket = \"x\"\n", "unknown field `bucket`"),
        (
            "[media_store]\nurl = \"s3://abc\"\nendpoint = \"http://127.0.0.1:9\"\n",
            "AWS_ALLOW_HTTP",
        ),
        (
            "[media_store]\nurl = \"s3://abc\"\naccess_key_id = \"AKID\"\n",
            "go together",
        ),
        (
            "[media_store]\npublic_base_url = \"cdn.example\"\n",
            "public_base_url must start with",
        ),
    ] {
        write(text);
        let err = resolve(args(&["--data", &data])).expect_err(text);
        assert!(format!("{err:#}").contains(words), "{text}: {err:#}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn node_urls_and_relay_passwords_are_checked() {
    let dir = std::env::temp_dir().join(format!("dateline-config-node-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(
        dir.join("dateline.toml"),
        "node_url = \"http://10.0.0.5:8080/\"\nrelay_password = \"from-the-file\"\n",
    )
    .expect("write");
    let data = dir.to_string_lossy().to_string();
    let s = resolve(args(&["--data", &data])).expect("resolves");
    assert_eq!(s.node_url.as_deref(), Some("http://10.0.0.5:8080"));
    assert_eq!(
        s.relay_password.as_ref().map(|p| p.expose().as_str()),
        Some("from-the-file")
    );
    assert!(!format!("{s:?}").contains("from-the-file"));
    let s = resolve(args(&[
        "--data",
        &data,
        "--node-url",
        "http://127.0.0.1:9001",
        "--relay-password",
        "from-a-flag",
    ]))
    .expect("resolves");
    assert_eq!(s.node_url.as_deref(), Some("http://127.0.0.1:9001"));
    assert_eq!(
        s.relay_password.as_ref().map(|p| p.expose().as_str()),
        Some("from-a-flag")
    );
    for bad in [
        "10.0.0.5:8080",
        "https://a:1",
        "http://a:1/live",
        "http://u:p@a:1",
    ] {
        let err = resolve(args(&["--data", &data, "--node-url", bad]))
            .expect_err("a bad node URL is refused");
        assert!(err.to_string().contains("node_url"), "{err}");
    }
    let err = resolve(args(&["--data", &data, "--relay-password", ""])).expect_err("empty");
    assert!(err.to_string().contains("relay_password"), "{err}");
    let any: SocketAddr = "0.0.0.0:8080".parse().expect("addr");
    let here: SocketAddr = "127.0.0.1:8081".parse().expect("addr");
    assert_eq!(node_url_for(None, any), None);
    assert_eq!(
        node_url_for(None, here).as_deref(),
        Some("http://127.0.0.1:8081")
    );
    assert_eq!(
        node_url_for(Some("http://n1:80"), here).as_deref(),
        Some("http://n1:80")
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_node_name_is_one_word() {
    let named = resolve(args(&["--node-name", "web-1"])).expect("resolves");
    assert_eq!(named.node_name.as_deref(), Some("web-1"));
    for bad in ["", "web 1", &"x".repeat(101)] {
        let err = resolve(args(&["--node-name", bad])).expect_err("refused");
        assert!(
            err.to_string()
                .starts_with("node_name must be 1 to 100 characters"),
            "{err}"
        );
    }
}

#[test]
fn backups_are_scheduled_from_the_backup_table() {
    let dir = std::env::temp_dir().join(format!("dateline-config-backup-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let data = dir.to_string_lossy().to_string();
    let write = |text: &str| std::fs::write(dir.join("dateline.toml"), text).expect("write");
    write("");
    assert!(
        resolve(args(&["--data", &data]))
            .expect("resolves")
            .backup
            .is_none()
    );
    write("[backup]\n");
    let b = resolve(args(&["--data", &data]))
        .expect("resolves")
        .backup
        .expect("scheduled");
    assert_eq!(b.every, Duration::from_secs(6 * 3600));
    assert_eq!(b.keep, 28);
    assert_eq!(b.dir, dir.join("backups"));
    assert_eq!(b.config_file, Some(dir.join("dateline.toml")));
    write("[backup]\nevery = \"1d\"\nkeep = 3\ndir = \"/srv/b\"\n");
    let b = resolve(args(&["--data", &data]))
        .expect("resolves")
        .backup
        .expect("scheduled");
    assert_eq!(b.every, Duration::from_secs(86_400));
    assert_eq!((b.keep, b.dir), (3, PathBuf::from("/srv/b")));
    for (text, says) in [
        ("[backup]\nevery = \"10s\"\n", "backup.every"),
        ("[backup]\nevery = \"soon\"\n", "backup.every"),
        ("[backup]\nkeep = 0\n", "backup.keep"),
        ("[backup]\nevry = \"6h\"\n", "unknown field"),
    ] {
        write(text);
        let e = resolve(args(&["--data", &data])).expect_err(text);
        assert!(format!("{e:#}").contains(says), "{text}: {e:#}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn metrics_and_log_format_come_from_flags_or_the_file() {
    let dir = std::env::temp_dir().join(format!("dateline-config-metrics-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let data = dir.to_string_lossy().to_string();
    let write = |text: &str| std::fs::write(dir.join("dateline.toml"), text).expect("write");
    write("");
    let s = resolve(args(&["--data", &data])).expect("resolves");
    assert_eq!(s.metrics_listen, None, "metrics are off by default");
    assert_eq!(s.log_format, LogFormat::Text);
    assert!(s.trusted_proxies.is_empty());
    write(
        "trusted_proxies = [\"10.0.0.2\"]\n[log]\nformat = \"json\"\n\
         [metrics]\nlisten = \"127.0.0.1:9187\"\n",
    );
    let s = resolve(args(&["--data", &data])).expect("resolves");
    assert_eq!(
        s.metrics_listen,
        Some("127.0.0.1:9187".parse().expect("addr"))
    );
    assert_eq!(s.log_format, LogFormat::Json);
    assert_eq!(
        s.trusted_proxies,
        vec!["10.0.0.2".parse::<IpAddr>().expect("ip")]
    );
    // Flags beat the file.
    let s = super::resolve(
        args(&[
            "--data",
            &data,
            "--metrics-listen",
            "127.0.0.1:9200",
            "--trusted-proxy",
            "127.0.0.1,::1",
        ]),
        Some(LogFormat::Text),
    )
    .expect("resolves");
    assert_eq!(
        s.metrics_listen,
        Some("127.0.0.1:9200".parse().expect("addr"))
    );
    assert_eq!(s.log_format, LogFormat::Text);
    assert_eq!(s.trusted_proxies.len(), 2);
    // Never on the public port.
    let err = resolve(args(&[
        "--data",
        &data,
        "--listen",
        "127.0.0.1:9187",
        "--metrics-listen",
        "127.0.0.1:9187",
    ]))
    .expect_err("same address refused");
    assert!(
        format!("{err:#}").contains("address of their own"),
        "{err:#}"
    );
    write("[metrics]\nlisten = \"nowhere\"\n");
    assert!(resolve(args(&["--data", &data])).is_err());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_newsletter_concurrency_is_checked_and_defaults_to_ten() {
    use super::newsletters::{NewslettersFile, resolve_newsletters};
    let defaults = resolve_newsletters(None).expect("the defaults resolve");
    assert_eq!(defaults.concurrency, 10);
    assert_eq!(defaults.batch, 100);
    let set = resolve_newsletters(Some(NewslettersFile {
        concurrency: Some(4),
        ..NewslettersFile::default()
    }))
    .expect("resolves");
    assert_eq!(set.concurrency, 4);
    for bad in [0, 51] {
        let err = resolve_newsletters(Some(NewslettersFile {
            concurrency: Some(bad),
            ..NewslettersFile::default()
        }))
        .expect_err("refused");
        assert!(format!("{err:#}").contains("concurrency"), "{err:#}");
    }
}
