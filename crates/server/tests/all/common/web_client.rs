//! A browser without JavaScript for the web app's HTTP tests: keeps cookies, does not
//! follow redirects, posts forms (with the session's CSRF token when asked) and
//! multipart uploads. The Chromium journeys live in `crates/cli/tests/browser/`.

use super::TestApp;
use facturier_server::web::session::hash_password;
use facturier_store::companies::Role;
use std::collections::BTreeMap;

/// The password every test user signs in with.
pub const PASSWORD: &str = "un mot de passe solide";

pub struct Browser {
    root: String,
    http: reqwest::Client,
    /// The cookie jar, open so tests can steal or forge a session.
    pub cookies: BTreeMap<String, String>,
    /// Sent with every request (e.g. what a reverse proxy adds).
    headers: Vec<(String, String)>,
}

/// One response, read whole.
pub struct Page {
    pub status: u16,
    pub location: String,
    pub content_type: String,
    /// The body as text (lossy for binary downloads: read `bytes` for those).
    pub body: String,
    pub bytes: Vec<u8>,
    headers: reqwest::header::HeaderMap,
}

impl Page {
    /// A response header as text, empty when absent.
    pub fn header(&self, name: &str) -> String {
        self.headers.get(name).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
    }
}

impl Browser {
    pub fn new(app: &TestApp) -> Browser {
        let root = app.base.trim_end_matches("/api/v1").to_string();
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Browser { root, http, cookies: BTreeMap::new(), headers: Vec::new() }
    }

    /// This browser's requests carry `name: value` from now on.
    pub fn with_header(mut self, name: &str, value: &str) -> Browser {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let mut r = self.http.request(method, format!("{}{path}", self.root)).header("cookie", self.cookie_header());
        for (k, v) in &self.headers {
            r = r.header(k, v);
        }
        r
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    async fn finish(&mut self, r: reqwest::Response) -> Page {
        for v in r.headers().get_all("set-cookie") {
            let v = v.to_str().unwrap();
            let (kv, attrs) = v.split_once(';').unwrap_or((v, ""));
            let (k, val) = kv.split_once('=').unwrap();
            if val.is_empty() || attrs.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_string(), val.to_string());
            }
        }
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let header = |name: &str| headers.get(name).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        let (location, content_type) = (header("location"), header("content-type"));
        let bytes = r.bytes().await.unwrap().to_vec();
        let body = String::from_utf8_lossy(&bytes).into_owned();
        Page { status, location, content_type, body, bytes, headers }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let r = self.request(reqwest::Method::GET, path).send().await;
        self.finish(r.unwrap()).await
    }

    /// Posts a urlencoded form as given (no CSRF token added).
    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
        self.post_body(path, "application/x-www-form-urlencoded", body.into_bytes()).await
    }

    /// [`Browser::post`] for a form read back from a page (owned names and values).
    pub async fn post_pairs(&mut self, path: &str, form: &[(String, String)]) -> Page {
        let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
        self.post_body(path, "application/x-www-form-urlencoded", body.into_bytes()).await
    }

    /// Posts a raw body with its content type.
    pub async fn post_body(&mut self, path: &str, content_type: &str, body: Vec<u8>) -> Page {
        let r = self.request(reqwest::Method::POST, path).header("content-type", content_type).body(body).send().await;
        self.finish(r.unwrap()).await
    }

    /// POSTs a form with the given CSRF token first.
    pub async fn act(&mut self, csrf: &str, path: &str, extra: &[(&str, &str)]) -> Page {
        let mut form = vec![("csrf", csrf)];
        form.extend_from_slice(extra);
        self.post(path, &form).await
    }

    /// A form with the session's CSRF token, read from the dashboard, added.
    pub async fn submit(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let csrf = self.csrf().await;
        self.act(&csrf, path, form).await
    }

    /// A multipart form: the session's `csrf` first, then one file part named `field`.
    pub async fn upload(&mut self, path: &str, field: &str, content_type: &str, bytes: &[u8]) -> Page {
        let csrf = self.csrf().await;
        let body = multipart_with(field, &[("csrf", &csrf)], Some((field, content_type, bytes)));
        self.post_multipart(path, body).await
    }

    /// Posts a body built by [`multipart`].
    pub async fn post_multipart(&mut self, path: &str, body: (String, Vec<u8>)) -> Page {
        self.post_body(path, &body.0, body.1).await
    }

    /// Asks for a password link for `email` through the "forgot password" form (French).
    pub async fn forgot_password(&mut self, email: &str) -> Page {
        let form = self.get("/password/forgot").await;
        assert_eq!(form.status, 200);
        let csrf = csrf_of(&form.body);
        self.post("/password/forgot", &[("csrf", &csrf), ("email", email), ("lang", "fr")]).await
    }

    /// Fills the sign-in form and returns the answer (303 on success).
    pub async fn sign_in(&mut self, email: &str, password: &str) -> Page {
        let login = self.get("/login").await;
        assert_eq!(login.status, 200);
        let csrf = csrf_of(&login.body);
        self.post("/login", &[("csrf", csrf.as_str()), ("email", email), ("password", password), ("next", "/")]).await
    }

    /// Signs in with [`PASSWORD`], which must succeed, and returns the session's CSRF token.
    pub async fn sign_in_as(&mut self, email: &str) -> String {
        let p = self.sign_in(email, PASSWORD).await;
        assert_eq!(p.status, 303, "signed in as {email}");
        self.csrf().await
    }

    /// The CSRF token of the session, as the pages carry it.
    pub async fn csrf(&mut self) -> String {
        let p = self.get("/").await;
        assert_eq!(p.status, 200, "signed in");
        csrf_of(&p.body)
    }
}

pub fn csrf_of(html: &str) -> String {
    let at = html.find(r#"name="csrf" value=""#).expect("a form with a CSRF token") + r#"name="csrf" value=""#.len();
    html[at..].split('"').next().unwrap().to_string()
}

/// True if `html` holds `text` with its markup characters escaped (named or numeric entities).
pub fn shows_as_text(html: &str, text: &str) -> bool {
    let named = text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let numeric = text.replace('&', "&#38;").replace('<', "&#60;").replace('>', "&#62;");
    html.contains(&named) || html.contains(&numeric)
}

/// `html` as a reader sees its text: the entities askama writes decoded, no-break spaces
/// (French typography) as plain ones.
pub fn as_read(html: &str) -> String {
    html.replace("&#39;", "'")
        .replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
        .replace("&#38;", "&")
        .replace(['\u{a0}', '\u{202f}'], " ")
}

/// The administrator every test company is made with.
pub const ADMIN: &str = "admin@test.fr";

/// A browser signed in as `email`, which is given the test [`PASSWORD`] first; the
/// sign-in must succeed.
pub async fn signed_in(app: &TestApp, email: &str) -> Browser {
    with_password(app, email).await;
    let mut b = Browser::new(app);
    assert_eq!(b.sign_in(email, PASSWORD).await.status, 303, "{email} signs in");
    b
}

/// A new user of the test company with `role`, signed in as by [`signed_in`].
pub async fn signed_in_member(app: &TestApp, email: &str, role: Role) -> Browser {
    app.store.create_user_token(app.company_id, email, role).await.unwrap();
    signed_in(app, email).await
}

/// Gives `email` the test [`PASSWORD`].
pub async fn with_password(app: &TestApp, email: &str) {
    app.store.set_password_hash(email, &hash_password(PASSWORD).unwrap()).await.unwrap();
}

/// A multipart/form-data body: text fields, then one file part named `file`
/// (file name, content type, bytes). Returns the content type and the body.
pub fn multipart(fields: &[(&str, &str)], file: Option<(&str, &str, &[u8])>) -> (String, Vec<u8>) {
    multipart_with("file", fields, file)
}

/// [`multipart`] with the file part named `field`.
pub fn multipart_with(field: &str, fields: &[(&str, &str)], file: Option<(&str, &str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "----facturier-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes());
    }
    if let Some((name, ty, bytes)) = file {
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\nContent-Type: {ty}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend(bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}
