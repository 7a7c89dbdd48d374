//! `dateline.toml`'s `[site]` table against the settings page (issue 3): the file seeds a site
//! setting the store has no value for yet (the first start); after that the settings page owns
//! it, so an admin's change survives a restart with the same file. Driven through the real
//! `dateline serve` start-up (`dateline::serve::start`) on a database of the test's own.

use crate::*;
use clap::Parser;
use dateline::config::{Cli, Command};
use dateline_core::account::Email;
use dateline_core::permissions::Role;
use dateline_core::secret::Secret;
use dateline_store::{NewAccount, Store};
use dateline_testkit::{Browser, TEST_PASSWORD};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A site started as `dateline serve --data DATA --config FILE` does, on a free port.
struct Running {
    base: String,
    stop: oneshot::Sender<()>,
    task: JoinHandle<anyhow::Result<()>>,
}

async fn serve(data: &std::path::Path, config: &std::path::Path) -> anyhow::Result<Running> {
    let cli = Cli::try_parse_from([
        "dateline".as_ref(),
        "serve".as_ref(),
        "--data".as_ref(),
        data.as_os_str(),
        "--config".as_ref(),
        config.as_os_str(),
    ])?;
    let Command::Serve(args) = cli.command else {
        anyhow::bail!("not the serve command");
    };
    let settings = dateline::config::resolve(args, None)?;
    let server = dateline::serve::start(&settings).await?;
    let base = format!("http://{}", server.local_addr()?);
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(server.serve(async move {
        stopped.await.ok();
    }));
    Ok(Running { base, stop, task })
}

impl Running {
    async fn stop(self) -> anyhow::Result<()> {
        self.stop.send(()).ok();
        self.task.await?
    }
}

fn settings_form(name: &str) -> Vec<(&str, &str)> {
    vec![
        ("name", name),
        ("tagline", "Set by an admin"),
        ("time_zone", "Europe/Paris"),
        ("language", "fr-FR"),
        ("community_standards", "Be kind."),
        ("live_stream_url", ""),
        ("live_stream_name", ""),
        ("logo", ""),
    ]
}

backend_test!(config_seeds_once_then_the_page_wins, |app| {
    let data = app.data_dir().join("served");
    tokio::fs::create_dir_all(&data).await?;
    let url = app.fresh_database_url().await?;
    let config = data.join("dateline.toml");
    tokio::fs::write(
        &config,
        format!(
            "database = \"{url}\"\nlisten = \"127.0.0.1:0\"\n\n[site]\nname = \"The File \
             Herald\"\ntime_zone = \"Europe/Paris\"\nlanguage = \"fr-FR\"\n"
        ),
    )
    .await?;

    // First start: the file seeds the settings.
    let site = serve(&data, &config).await?;
    let front = Page::expect(app.client.get(&site.base).send().await?, "/", 200).await?;
    assert!(front.text("title").contains("The File Herald"));
    let store = Store::open(&url).await?;
    let hash = dateline_web::newsroom::credentials::hash_password_off_thread(Secret::new(
        TEST_PASSWORD.to_owned(),
    ))
    .await?;
    store
        .create_account(
            NewAccount {
                email: Email::parse("admin@example.com")?,
                name: "Site admin".to_owned(),
                role: Role::Admin,
                password_hash: hash,
            },
            app.clock.now(),
        )
        .await?;
    store.close().await;
    let mut admin = Browser::at(&app, &site.base);
    assert_eq!(
        admin
            .sign_in("admin@example.com", TEST_PASSWORD)
            .await?
            .status(),
        303
    );
    admin.csrf = admin
        .page("/newsroom/settings", 200)
        .await?
        .attr("input[name=csrf]", "value");
    assert_eq!(
        admin
            .page("/newsroom/settings", 200)
            .await?
            .attr("input[name=name]", "value"),
        "The File Herald"
    );

    // The admin renames the site on the settings page.
    let res = admin
        .submit("/newsroom/settings", &settings_form("The Admin's Herald"))
        .await?;
    assert_eq!(res.status(), 303);
    site.stop().await?;

    // Restarted with the same file: the admin's name stays, and so does the rest.
    let site = serve(&data, &config).await?;
    let admin_again = Browser::at(&app, &site.base);
    assert_eq!(
        admin_again
            .sign_in("admin@example.com", TEST_PASSWORD)
            .await?
            .status(),
        303
    );
    let page = admin_again.page("/newsroom/settings", 200).await?;
    assert_eq!(page.attr("input[name=name]", "value"), "The Admin's Herald");
    assert_eq!(page.attr("input[name=tagline]", "value"), "Set by an admin");
    let front = Page::expect(app.client.get(&site.base).send().await?, "/", 200).await?;
    assert!(
        front.text("title").contains("The Admin's Herald"),
        "{}",
        front.text("title")
    );
    site.stop().await?;
    Ok(())
});
