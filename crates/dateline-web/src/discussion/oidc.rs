//! "Comment via <provider>": signing readers in through OpenID Connect providers the operator
//! configured (`dateline provider add`), with the `openidconnect` crate: discovery, the
//! authorization code flow with PKCE, `state` and `nonce` checked, the ID token's signature
//! (against the provider's published keys) and claims (issuer, audience, expiry by our clock,
//! nonce) verified before anything is believed.
//!
//! `GET /readers/oidc/{label}/start` sends the browser to the provider, keeping the flow's
//! state, nonce and PKCE verifier in a short-lived `HttpOnly` cookie scoped to the callback;
//! `GET /readers/oidc/{label}/callback` checks them and signs the reader in: the reader the
//! identity is linked to, a signed-in reader linking it now, or a new reader. A ban is on the
//! reader row, so it covers every identity linked to it. Never logs a code, a token, a nonce or
//! the client secret.

use super::readers::{safe_return, signed_reader, start_session};
use crate::AppError;
use crate::newsroom::auth::{cookie, encode_component, secure_cookies, see_other, set_cookie};
use crate::newsroom::credentials::same_token;
use crate::state::AppState;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::header::{self, HeaderMap};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use dateline_core::discussion::display_name;
use dateline_store::{NewReader, Provider, StoreError};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// The flow's cookie: state, nonce and PKCE verifier between the start and the callback.
pub const FLOW_COOKIE: &str = "dateline_oidc";
/// How long a reader has at the provider, in seconds.
const FLOW_SECONDS: i64 = 10 * 60;

pub fn routes() -> Router<AppState> {
    use axum::routing::get;
    Router::new()
        .route("/readers/oidc/{label}/start", get(start))
        .route("/readers/oidc/{label}/callback", get(callback))
}

/// One HTTP client for providers: no redirects followed (the crate's advice against SSRF), a
/// bounded wait.
fn http() -> Result<&'static openidconnect::reqwest::Client, AppError> {
    static CLIENT: OnceLock<Option<openidconnect::reqwest::Client>> = OnceLock::new();
    CLIENT
        .get_or_init(|| {
            openidconnect::reqwest::ClientBuilder::new()
                .redirect(openidconnect::reqwest::redirect::Policy::none())
                .timeout(std::time::Duration::from_secs(10))
                .build()
                .ok()
        })
        .as_ref()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no HTTP client for OpenID Connect")))
}

/// What the cookie carries between start and callback.
#[derive(Debug, Serialize, Deserialize)]
struct Flow {
    provider: i64,
    state: String,
    nonce: String,
    verifier: String,
    next: String,
    /// The reader who started the flow to link this identity to their account.
    link: Option<i64>,
}

fn encode(flow: &Flow) -> Result<String, AppError> {
    let json = serde_json::to_vec(flow).map_err(|e| AppError::Internal(e.into()))?;
    Ok(URL_SAFE_NO_PAD.encode(json))
}

fn decode(raw: &str) -> Option<Flow> {
    let bytes = URL_SAFE_NO_PAD.decode(raw).ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn refused(label: &str, why: &str) -> AppError {
    AppError::BadRequest(format!(
        "Signing in through {label} did not work: {why}. Go back to the discussion and try \
         again."
    ))
}

async fn provider(state: &AppState, label: &str) -> Result<Provider, AppError> {
    match state.store.provider_by_label(label).await {
        Ok(p) => Ok(p),
        Err(StoreError::NotFound) => Err(AppError::NotFound),
        Err(e) => Err(e.into()),
    }
}

/// The callback address the provider sends the reader back to.
async fn redirect_url(state: &AppState, label: &str) -> Result<RedirectUrl, AppError> {
    let site = state.site().await?;
    let base = site.settings.base_url.trim_end_matches('/');
    RedirectUrl::new(format!(
        "{base}/readers/oidc/{}/callback",
        encode_component(label)
    ))
    .map_err(|e| AppError::Internal(anyhow::anyhow!("the site's base URL is not a URL: {e}")))
}

/// Discovery, then a client for this provider.
async fn client(
    state: &AppState,
    p: &Provider,
) -> Result<
    openidconnect::core::CoreClient<
        openidconnect::EndpointSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointMaybeSet,
        openidconnect::EndpointMaybeSet,
    >,
    AppError,
> {
    let issuer = IssuerUrl::new(p.issuer.clone())
        .map_err(|_| refused(&p.label, "its issuer address is not a URL"))?;
    let metadata = CoreProviderMetadata::discover_async(issuer, http()?)
        .await
        .map_err(|e| {
            tracing::warn!(provider = %p.label, error = %e, "OpenID Connect discovery failed");
            refused(&p.label, "the provider could not be reached")
        })?;
    Ok(CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(p.client_id.clone()),
        Some(ClientSecret::new(p.client_secret.expose().clone())),
    )
    .set_redirect_uri(redirect_url(state, &p.label).await?))
}

#[derive(Debug, Deserialize, Default)]
pub struct StartQuery {
    next: Option<String>,
}

async fn start(
    State(state): State<AppState>,
    Path(label): Path<String>,
    Query(q): Query<StartQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let p = provider(&state, &label).await?;
    let reader = signed_reader(&state, &headers).await?;
    let client = client(&state, &p).await?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("profile".to_owned()))
        .set_pkce_challenge(challenge)
        .url();
    let flow = Flow {
        provider: p.id,
        state: csrf.secret().clone(),
        nonce: nonce.secret().clone(),
        verifier: verifier.secret().clone(),
        next: safe_return(&state, q.next.as_deref()).await?,
        link: reader.map(|r| r.reader.id.0),
    };
    let secure = secure_cookies(&state).await?;
    let mut res = see_other(url.as_str());
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            FLOW_COOKIE,
            &encode(&flow)?,
            "/readers/oidc/",
            FLOW_SECONDS,
            secure,
        ),
    );
    Ok(res)
}

#[derive(Debug, Deserialize, Default)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

async fn callback(
    State(state): State<AppState>,
    Path(label): Path<String>,
    Query(q): Query<CallbackQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let p = provider(&state, &label).await?;
    let flow = cookie(&headers, FLOW_COOKIE)
        .and_then(|c| decode(&c))
        .filter(|f| f.provider == p.id)
        .ok_or_else(|| refused(&p.label, "the sign-in expired or was not started here"))?;
    // The flow is used once: whatever happens next, the cookie goes.
    let secure = secure_cookies(&state).await?;
    let clear = set_cookie(FLOW_COOKIE, "", "/readers/oidc/", 0, secure);
    let answer = finish(&state, &p, flow, q).await;
    let mut res = match answer {
        Ok(res) => res,
        Err(e) => {
            let mut res = axum::response::IntoResponse::into_response(e);
            res.headers_mut().append(header::SET_COOKIE, clear);
            return Ok(res);
        }
    };
    res.headers_mut().append(header::SET_COOKIE, clear);
    Ok(res)
}

async fn finish(
    state: &AppState,
    p: &Provider,
    flow: Flow,
    q: CallbackQuery,
) -> Result<Response, AppError> {
    if q.error.is_some() {
        return Err(refused(&p.label, "the provider did not sign you in"));
    }
    let returned = q.state.unwrap_or_default();
    if returned.is_empty() || !same_token(&returned, &flow.state) {
        tracing::warn!(provider = %p.label, "OpenID Connect callback with a forged state refused");
        return Err(refused(&p.label, "the answer did not match this sign-in"));
    }
    let code = q
        .code
        .filter(|c| !c.is_empty())
        .ok_or_else(|| refused(&p.label, "the provider sent no code"))?;
    let client = client(state, p).await?;
    let request = client
        .exchange_code(AuthorizationCode::new(code))
        .map_err(|_| refused(&p.label, "the provider has no token endpoint"))?
        .set_pkce_verifier(PkceCodeVerifier::new(flow.verifier.clone()));
    let token = request.request_async(http()?).await.map_err(|e| {
        tracing::warn!(provider = %p.label, error = %e, "OpenID Connect code exchange failed");
        refused(&p.label, "the provider did not confirm the sign-in")
    })?;
    let id_token = token
        .id_token()
        .ok_or_else(|| refused(&p.label, "the provider sent no ID token"))?;
    let clock = state.clock.clone();
    let verifier = client.id_token_verifier().set_time_fn(move || {
        let now = clock.now();
        chrono::DateTime::from_timestamp(now.as_second(), now.subsec_nanosecond().max(0) as u32)
            .unwrap_or_default()
    });
    let claims = id_token
        .claims(&verifier, &Nonce::new(flow.nonce.clone()))
        .map_err(|e| {
            tracing::warn!(provider = %p.label, error = %e, "an ID token was refused");
            refused(&p.label, "its answer could not be verified")
        })?;
    let subject = claims.subject().as_str().to_owned();
    let now = state.clock.now();
    let reader_id = match state.store.reader_of_identity(p.id, &subject).await {
        Ok(id) => {
            if let Some(link) = flow.link
                && link != id.0
            {
                return Err(refused(
                    &p.label,
                    "that account is already linked to another reader",
                ));
            }
            id
        }
        Err(StoreError::NotFound) => {
            let id = match flow.link {
                Some(link) => dateline_core::ReaderId(link),
                None => {
                    let name = claims
                        .name()
                        .and_then(|n| n.get(None))
                        .map(|n| n.as_str().to_owned())
                        .or_else(|| claims.preferred_username().map(|u| u.as_str().to_owned()))
                        .and_then(|n| display_name(&n).ok())
                        .unwrap_or_else(|| format!("{} reader", p.label));
                    state
                        .store
                        .create_reader(
                            NewReader {
                                display_name: name,
                                email: None,
                                password_hash: None,
                            },
                            now,
                        )
                        .await?
                        .id
                }
            };
            state.store.link_identity(p.id, &subject, id, now).await?;
            id
        }
        Err(e) => return Err(e.into()),
    };
    let reader = state.store.reader(reader_id).await?;
    tracing::info!(reader_id = %reader.id, provider = %p.label, "reader signed in through a provider");
    start_session(state, &reader, &flow.next).await
}
