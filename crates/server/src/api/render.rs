//! `GET /{kind}/{id}/pdf` and `GET /{kind}/{id}/ubl`: the files `app::render` gives,
//! served inline with their name.

use crate::app::render::DocumentFile;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// `?flavor=` of `GET /{kind}/{id}/ubl`: `peppol` or `fr`; by default the buyer's network.
#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct UblQuery {
    pub flavor: Option<String>,
}

impl IntoResponse for DocumentFile {
    fn into_response(self) -> Response {
        file_response(self.bytes, self.content_type, &self.name)
    }
}

pub(crate) fn file_response(bytes: Vec<u8>, content_type: &'static str, name: &str) -> Response {
    let mut r = (StatusCode::OK, bytes).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{name}\"")) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    r
}
