//! Static assets compiled into the binary: the stylesheet, a few lines of our own
//! script (menus that close on Escape or a click elsewhere) and htmx (vendored from the
//! npm registry, see `static/VENDORED.md`). Nothing is fetched from elsewhere.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

const APP_CSS: &str = include_str!("../../static/app.css");
const HTMX: &str = include_str!("../../static/htmx.min.js");
const APP_JS: &str = include_str!("../../static/app.js");

/// `GET /static/{file}`.
pub async fn serve(Path(file): Path<String>) -> Response {
    let (body, content_type) = match file.as_str() {
        "app.css" => (APP_CSS, "text/css; charset=utf-8"),
        "app.js" => (APP_JS, "text/javascript; charset=utf-8"),
        // The version is in the name, so browsers may keep it as long as they like.
        "htmx-2.0.11.min.js" => (HTMX, "text/javascript; charset=utf-8"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let cache = if file.starts_with("htmx-") { "public, max-age=31536000, immutable" } else { "public, max-age=300" };
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, cache)], body).into_response()
}

#[cfg(test)]
mod tests {
    use sha2::{Digest, Sha256};

    #[test]
    fn the_vendored_htmx_is_the_published_2_0_11() {
        assert_eq!(
            hex::encode(Sha256::digest(super::HTMX.as_bytes())),
            "d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717"
        );
    }
}
