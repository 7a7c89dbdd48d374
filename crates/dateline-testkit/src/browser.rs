//! A browser for newsroom tests: a reqwest client with a small cookie jar that keeps what the
//! server sets (and lets tests read the raw `Set-Cookie` attributes), plus the helpers that
//! make accounts and sign in: [`TestApp::account`], [`TestApp::login_as`], and API tokens with
//! the one way the write-API tests call it: [`TestApp::api_token`], [`TestApp::api_call`].
//!
//! Follows no redirects, like [`TestApp::client`], so tests see each 303.

use crate::TestApp;
use crate::html::Page;
use anyhow::Context;
use dateline_core::account::{Account, Email};
use dateline_core::permissions::Role;
use dateline_core::secret::Secret;
use dateline_store::NewAccount;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// The password every test account gets unless a test says otherwise.
pub const TEST_PASSWORD: &str = "a long test password";

pub struct Browser {
    client: reqwest::Client,
    base: String,
    jar: Mutex<BTreeMap<String, String>>,
    /// The `Set-Cookie` headers of the last answer, verbatim.
    pub last_set_cookies: Mutex<Vec<String>>,
    /// The session's form token, once signed in through [`TestApp::login_as`].
    pub csrf: String,
    /// The account signed in, if any.
    pub account: Option<Account>,
}

impl Browser {
    pub fn new(app: &TestApp) -> Self {
        Self {
            client: app.client.clone(),
            base: app.base.clone(),
            jar: Mutex::new(BTreeMap::new()),
            last_set_cookies: Mutex::new(Vec::new()),
            csrf: String::new(),
            account: None,
        }
    }

    /// A browser with no cookies for another server than the test's own (one a test started
    /// with the real `dateline serve` start-up, say).
    pub fn at(app: &TestApp, base: &str) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
            ..Self::new(app)
        }
    }

    /// Send the next requests to another node of the same site (its cookies and form token
    /// kept), as a load balancer may.
    pub fn switch_to(&mut self, node: &TestApp) {
        self.base = node.base.clone();
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.jar
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .cloned()
    }

    /// Set (or with `None`, drop) a cookie by hand.
    pub fn set_cookie(&self, name: &str, value: Option<&str>) {
        let mut jar = self.jar.lock().unwrap_or_else(|e| e.into_inner());
        match value {
            Some(v) => jar.insert(name.to_owned(), v.to_owned()),
            None => jar.remove(name),
        };
    }

    fn cookie_header(&self) -> Option<String> {
        let jar = self.jar.lock().unwrap_or_else(|e| e.into_inner());
        (!jar.is_empty()).then(|| {
            jar.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        })
    }

    fn remember(&self, res: &reqwest::Response) {
        let set: Vec<String> = res
            .headers()
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect();
        let mut jar = self.jar.lock().unwrap_or_else(|e| e.into_inner());
        for c in &set {
            let first = c.split(';').next().unwrap_or("");
            let Some((name, value)) = first.split_once('=') else {
                continue;
            };
            let removed = c
                .split(';')
                .any(|a| a.trim().eq_ignore_ascii_case("max-age=0"))
                || value.is_empty();
            if removed {
                jar.remove(name.trim());
            } else {
                jar.insert(name.trim().to_owned(), value.trim().to_owned());
            }
        }
        *self
            .last_set_cookies
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = set;
    }

    pub async fn send(&self, req: reqwest::RequestBuilder) -> anyhow::Result<reqwest::Response> {
        let req = match self.cookie_header() {
            Some(c) => req.header(reqwest::header::COOKIE, c),
            None => req,
        };
        let res = req.send().await?;
        self.remember(&res);
        Ok(res)
    }

    pub async fn get(&self, path: &str) -> anyhow::Result<reqwest::Response> {
        self.send(self.client.get(format!("{}{path}", self.base)))
            .await
            .with_context(|| format!("GET {path}"))
    }

    /// POST a form (the fields as given: add `csrf` yourself, or use [`Browser::submit`]).
    pub async fn post(
        &self,
        path: &str,
        form: &[(&str, &str)],
    ) -> anyhow::Result<reqwest::Response> {
        self.send(self.client.post(format!("{}{path}", self.base)).form(form))
            .await
            .with_context(|| format!("POST {path}"))
    }

    /// POST a form with this session's form token added.
    pub async fn submit(
        &self,
        path: &str,
        form: &[(&str, &str)],
    ) -> anyhow::Result<reqwest::Response> {
        let mut fields = form.to_vec();
        fields.push(("csrf", &self.csrf));
        self.post(path, &fields).await
    }

    /// POST a `multipart/form-data` form as a browser sends a file upload: this session's form
    /// token first, then `fields`, then the file as `file` (name, declared type, bytes).
    pub async fn upload(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        file: (&str, &str, &[u8]),
    ) -> anyhow::Result<reqwest::Response> {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.upload_raw(path, &all, Some(file)).await
    }

    /// POST a `multipart/form-data` form with exactly these parts (no form token added).
    pub async fn upload_raw(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, &str, &[u8])>,
    ) -> anyhow::Result<reqwest::Response> {
        const BOUNDARY: &str = "----dateline-test-boundary-7MA4YWxkTrZu0gW";
        let mut body: Vec<u8> = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!(
                    "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        if let Some((file_name, content_type, bytes)) = file {
            body.extend_from_slice(
                format!(
                    "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; \
                     filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        self.send(
            self.client
                .post(format!("{}{path}", self.base))
                .header(
                    reqwest::header::CONTENT_TYPE,
                    format!("multipart/form-data; boundary={BOUNDARY}"),
                )
                .body(body),
        )
        .await
        .with_context(|| format!("POST {path} (multipart)"))
    }

    /// GET a path expecting `status`, parsed as HTML.
    pub async fn page(&self, path: &str, status: u16) -> anyhow::Result<Page> {
        Page::expect(self.get(path).await?, path, status).await
    }

    /// Fill in and send the sign-in form; the answer as is.
    pub async fn sign_in(&self, email: &str, password: &str) -> anyhow::Result<reqwest::Response> {
        let form = self.page("/newsroom/sign-in", 200).await?;
        let token = form.attr("input[name=form_token]", "value");
        self.post(
            "/newsroom/sign-in",
            &[
                ("email", email),
                ("password", password),
                ("form_token", &token),
            ],
        )
        .await
    }
}

impl TestApp {
    /// A browser with no cookies.
    pub fn browser(&self) -> Browser {
        Browser::new(self)
    }

    /// An account with `password` (hashed as the CLI and the newsroom do).
    pub async fn account_with_password(
        &self,
        email: &str,
        name: &str,
        role: Role,
        password: &str,
    ) -> anyhow::Result<Account> {
        let secret = Secret::new(password.to_owned());
        let hash = dateline_web::newsroom::credentials::hash_password_off_thread(secret).await?;
        Ok(self
            .store
            .create_account(
                NewAccount {
                    email: Email::parse(email)?,
                    name: name.to_owned(),
                    role,
                    password_hash: hash,
                },
                self.clock.now(),
            )
            .await?)
    }

    /// An account `{role}@example.com` named after its role, with [`TEST_PASSWORD`].
    pub async fn account(&self, role: Role) -> anyhow::Result<Account> {
        let name = format!("Test {}", role.as_str());
        self.account_with_password(
            &format!("{}@example.com", role.as_str()),
            &name,
            role,
            TEST_PASSWORD,
        )
        .await
    }

    /// A browser signed in as a new account with `role`, holding the session's form token.
    pub async fn login_as(&self, role: Role) -> anyhow::Result<Browser> {
        let account = self.account(role).await?;
        self.login(account, TEST_PASSWORD).await
    }

    /// A browser signed in as `account`.
    pub async fn login(&self, account: Account, password: &str) -> anyhow::Result<Browser> {
        let mut b = self.browser();
        let res = b.sign_in(account.email.as_str(), password).await?;
        anyhow::ensure!(
            res.status() == 303,
            "signing in as {}: {}\n{}",
            account.email,
            res.status(),
            res.text().await.unwrap_or_default()
        );
        // Every signed-in page carries the form token (the sign-out form, at least).
        let page = b.page("/newsroom/password", 200).await?;
        b.csrf = page.attr("input[name=csrf]", "value");
        b.account = Some(account);
        Ok(b)
    }
}

impl Browser {
    /// Register a reader account through the site's form (the browser is then signed in as
    /// that reader); the answer as is.
    pub async fn register_reader(
        &self,
        name: &str,
        email: &str,
        password: &str,
    ) -> anyhow::Result<reqwest::Response> {
        let form = self.page("/readers/register", 200).await?;
        let token = form.attr("input[name=form_token]", "value");
        self.post(
            "/readers/register",
            &[
                ("name", name),
                ("email", email),
                ("password", password),
                ("form_token", &token),
            ],
        )
        .await
    }

    /// Fill in and send the reader sign-in form; the answer as is.
    pub async fn sign_in_reader(
        &self,
        email: &str,
        password: &str,
    ) -> anyhow::Result<reqwest::Response> {
        let form = self.page("/readers/sign-in", 200).await?;
        let token = form.attr("input[name=form_token]", "value");
        self.post(
            "/readers/sign-in",
            &[
                ("email", email),
                ("password", password),
                ("form_token", &token),
            ],
        )
        .await
    }
}

impl TestApp {
    /// A new account with `role` (as [`TestApp::account`]) and an API token acting as it.
    pub async fn api_token(&self, role: Role) -> anyhow::Result<(Account, String)> {
        let owner = self.account(role).await?;
        let token = dateline_web::newsroom::credentials::new_token()?;
        let hash = dateline_web::newsroom::credentials::token_hash(token.expose());
        self.store
            .create_api_token(owner.id, &hash, "test", self.clock.now())
            .await?;
        Ok((owner, token.expose().clone()))
    }

    /// Call the API with `token` and an optional JSON body: the status and the answer as JSON
    /// (a body that is not JSON comes back as a JSON string).
    pub async fn api_call(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> anyhow::Result<(u16, serde_json::Value)> {
        let mut req = self
            .client
            .request(method, self.url(path))
            .header("authorization", format!("Bearer {token}"));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await?;
        let status = res.status().as_u16();
        let text = res.text().await?;
        let value = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
        Ok((status, value))
    }

    /// A browser signed in as a new reader `name` (`{name}@readers.example`, lower-cased,
    /// spaces as dots), holding its form token, read from the discussion of `article`.
    pub async fn reader(
        &self,
        name: &str,
        article: dateline_core::ArticleId,
    ) -> anyhow::Result<Browser> {
        let mut b = self.browser();
        let email = format!("{}@readers.example", name.to_lowercase().replace(' ', "."));
        let res = b.register_reader(name, &email, TEST_PASSWORD).await?;
        anyhow::ensure!(
            res.status() == 303,
            "registering {name}: {}\n{}",
            res.status(),
            res.text().await.unwrap_or_default()
        );
        let page = b.page(&format!("/discussion/{article}/"), 200).await?;
        b.csrf = page.attr("form.reader-sign-out input[name=csrf]", "value");
        Ok(b)
    }
}
