//! The formats crate's integration tests, one binary: PDF rendering, and the XML
//! checked by the independent validators (XSD, EN 16931 and BR-FR schematrons).
//! `services` says whether the validators are installed here.

mod pdf_render;
mod sepa_validation;
mod services;
mod xml_validation;
