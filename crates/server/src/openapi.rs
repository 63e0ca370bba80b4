//! The OpenAPI 3.1 document served at `/api/v1/openapi.json`.
//!
//! The document is built from [`ROUTES`]: each route is looked up in [`OPERATIONS`],
//! which says what the operation takes and answers. Path parameters come from the path
//! template, the `Idempotency-Key` header from the method, the 401 answer from the
//! security requirement, the 400/413/415 answers from the request body and query. A unit test fails
//! when a route has no entry in [`OPERATIONS`] (or an entry names no route), and
//! `tests/openapi.rs` checks the document against the running router.
//!
//! The schemas under `components/schemas` mirror the input structs (`CustomerInput`,
//! `ProductInput`, `DocumentInput`…) and the views (`CustomerView`, `DocumentView`…)
//! of [`crate::api`]; the `*Patch` schemas of the merge-patch bodies are derived from
//! the input schemas.

use crate::api::{DEFAULT_LIMIT, DOCUMENT_ROUTES, DocOp, ISSUE_CHECK_ROUTES, MAX_LIMIT, ROUTES, noun};
use facturier_core::document::{DocumentKind, MAX_DESCRIPTION, MAX_LINES, Status};
use facturier_core::lifecycle::{self, Action};
use facturier_core::tax::VatCategory;
use serde_json::{Map, Value, json};
use std::sync::LazyLock;

/// The request body an operation reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Body {
    /// No body (any body sent is ignored).
    None,
    /// A required JSON body of this schema.
    Json(&'static str),
    /// An optional JSON body of this schema (an empty body means the defaults).
    OptionalJson(&'static str),
    /// An RFC 7386 JSON merge patch, described by this schema.
    MergePatch(&'static str),
    /// A required file of one of these media types, sent as the body itself.
    File(&'static [&'static str]),
    /// A `multipart/form-data` body with one file part named `file`.
    Multipart,
}

/// What an operation answers when it succeeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Success {
    /// This status with a JSON body of this schema.
    Json(u16, &'static str, &'static str),
    /// 204 No Content.
    NoContent(&'static str),
    /// The OpenAPI document itself.
    OpenApi,
    /// 200 with a file of this media type.
    File(&'static str, &'static str),
    /// 200 with a file of one of these media types.
    Files(&'static [&'static str], &'static str),
    /// 200 with a file of the media type it was uploaded with.
    AnyFile(&'static str),
}

/// What one operation of [`ROUTES`] takes and answers.
#[derive(Clone, Copy, Debug)]
pub struct Operation {
    pub method: &'static str,
    pub path: &'static str,
    pub operation_id: &'static str,
    pub tag: &'static str,
    pub description: &'static str,
    /// Query parameters: names under `components/parameters`.
    pub query: &'static [&'static str],
    pub body: Body,
    pub success: Success,
    /// Whether the operation needs no token.
    pub public: bool,
    /// Error statuses of the handler itself; 400/413 (body), 400 (query string),
    /// 401 (token) and 409/422 (`Idempotency-Key` on POST) are added from the other fields.
    pub errors: &'static [u16],
}

const CUSTOMER_LIST: &[&str] = &["Limit", "After", "CustomerSearch", "Activity", "CustomerSort", "SortOrder"];
const PRODUCT_LIST: &[&str] = &["Limit", "After", "ProductSearch"];
const DOCUMENT_LIST: &[&str] = &["Limit", "After", "Status", "CustomerId", "From", "To"];

const fn op(method: &'static str, path: &'static str, operation_id: &'static str, tag: &'static str) -> Operation {
    Operation {
        method,
        path,
        operation_id,
        tag,
        description: "",
        query: &[],
        body: Body::None,
        success: Success::NoContent("Done"),
        public: false,
        errors: &[],
    }
}

/// What both imports say.
const IMPORT_DESCRIPTION: &str = "Not for read-only roles. The body is the file itself, at most 10 MiB and 100 000 rows: CSV (`;`, `,` or tab separated, found from the header line; UTF-8 or Windows-1252) or XLSX (its first sheet). The first row names the columns: the fields of `POST /customers` (`name`, `email`, `siren`, `siret`, `vat_number`, `line1`, `line2`, `postal_code`, `city`, `country`, `contact_name`, `phone`…) or `POST /products` (`reference`, `name`, `unit_price`, `vat_rate`, `purchase_price`, `stock`…), or the usual headers of Dolibarr and EBP exports (`Nom`, `Code postal`, `Réf.`, `Prix de vente HT`…), case and accents ignored; `mapping` overrides them. Each row is checked as a POST would check it; a rejected row names the same field and message. A row that finds a customer (by SIREN, else e-mail, else name and postal code) or a product (by reference) updates it; the others are created. A dry run, or a run with any rejected row, writes nothing; a run writes every row in one transaction. 415 for another media type, 422 (`file`) for a file that cannot be read.";

/// Per-operation details of the routes that are not about documents.
const BASE_OPERATIONS: &[Operation] = &[
    // customers
    Operation {
        description: "Newest first. Listed customers carry no `credit`.",
        query: CUSTOMER_LIST,
        success: Success::Json(200, "CustomerPage", "A page of customers"),
        errors: &[422],
        ..op("get", "/customers", "listCustomers", "customers")
    },
    Operation {
        description: "Every invalid field is reported at once (422).",
        body: Body::Json("CustomerInput"),
        success: Success::Json(201, "CustomerView", "The new customer"),
        errors: &[403],
        ..op("post", "/customers", "createCustomer", "customers")
    },
    Operation {
        success: Success::Json(200, "CustomerView", "The customer"),
        errors: &[404],
        ..op("get", "/customers/{id}", "getCustomer", "customers")
    },
    Operation {
        description: "The patch is merged (RFC 7386) over the customer as `CustomerInput`; the result must be a valid `CustomerInput`. Arrays (`contacts`, `tags`) are replaced whole; `null` removes a value.",
        body: Body::MergePatch("CustomerPatch"),
        success: Success::Json(200, "CustomerView", "The updated customer"),
        errors: &[403, 404, 422],
        ..op("patch", "/customers/{id}", "updateCustomer", "customers")
    },
    Operation {
        description: "Newest first, without their bytes.",
        success: Success::Json(200, "CustomerFileList", "The customer's files"),
        errors: &[404],
        ..op("get", "/customers/{id}/files", "listCustomerFiles", "customers")
    },
    Operation {
        description: "Not for read-only roles. The body is `multipart/form-data` with the file as its `file` part (its file name and media type are kept; the name loses any path). At most 10 MiB: a larger file is refused with 413. Stored in the database, so backups hold it; noted in the customer's history.",
        body: Body::Multipart,
        success: Success::Json(201, "CustomerFile", "The stored file"),
        errors: &[403, 404],
        ..op("post", "/customers/{id}/files", "addCustomerFile", "customers")
    },
    Operation {
        description: "The bytes as uploaded, with `Content-Disposition: attachment` and `X-Content-Type-Options: nosniff`; HTML, XML, SVG and scripts are served as `application/octet-stream`.",
        success: Success::AnyFile("The file"),
        errors: &[404],
        ..op("get", "/customers/{id}/files/{file_id}", "getCustomerFile", "customers")
    },
    Operation {
        description: "Not for read-only roles. Noted in the customer's history.",
        success: Success::NoContent("The file is removed"),
        errors: &[403, 404],
        ..op("delete", "/customers/{id}/files/{file_id}", "deleteCustomerFile", "customers")
    },
    // payments
    Operation {
        description: "Per currency, what the customer has to its credit: overpayments kept with `excess: \"credit\"`, credit notes beyond what was due, less what was applied to invoices or refunded.",
        success: Success::Json(200, "CustomerCredit", "The customer's credit"),
        errors: &[404],
        ..op("get", "/customers/{id}/credit", "getCustomerCredit", "payments")
    },
    Operation {
        description: "Not for read-only roles. Sets `amount` of the customer's credit (in the invoice's currency) against one of its issued, unpaid invoices: at most the credit available and at most what the invoice has due (else 422 on `amount`). Recorded as a payment of kind `credit`, which can be cancelled like any payment. One transaction under the customer's lock, noted in the invoice's and the customer's history.",
        body: Body::Json("ApplyCreditInput"),
        success: Success::Json(200, "Payment", "The credit application, a payment of kind `credit`"),
        errors: &[403, 404, 409],
        ..op("post", "/customers/{id}/credit/apply", "applyCustomerCredit", "payments")
    },
    Operation {
        description: "Not for read-only roles. Pays `amount` of the customer's credit back: an outgoing payment of kind `refund`, at most the credit available in its currency (else 422 on `amount`).",
        body: Body::Json("RefundInput"),
        success: Success::Json(201, "Payment", "The refund, a payment of kind `refund`"),
        errors: &[403, 404],
        ..op("post", "/customers/{id}/credit/refund", "refundCustomerCredit", "payments")
    },
    Operation {
        description: "Per currency: issued invoices and deposit invoices (debit), credit notes and payments received (credit), refunds (debit), credit applications (no change to the balance), each cancellation as a reversing line on the day it was made; in date order with the balance after each line. What happened before `from` makes the opening balance. A positive balance is owed by the customer, a negative one is its credit.",
        query: &["From", "To"],
        success: Success::Json(200, "Statement", "The customer's statement"),
        errors: &[404, 422],
        ..op("get", "/customers/{id}/statement", "getCustomerStatement", "payments")
    },
    Operation {
        description: "Receipts, credit applications and refunds, cancelled ones included, newest first (by date, then by creation).",
        query: &["Limit", "After", "CustomerId", "From", "To"],
        success: Success::Json(200, "PaymentPage", "A page of payments"),
        errors: &[422],
        ..op("get", "/payments", "listPayments", "payments")
    },
    Operation {
        description: "Not for read-only roles. One payment received from a customer, allocated to the cent over several of its issued invoices in the payment's currency: each allocation at most what its invoice has due (else 422 on `allocations[i].amount`), all of them at most `amount` (else 422 on `amount`). What is left over is refused (422 on `amount`) unless `excess` is `\"credit\"`: then it becomes the customer's credit (`to_credit`). One transaction under the customer's and the invoices' locks.",
        body: Body::Json("NewPaymentInput"),
        success: Success::Json(201, "Payment", "The payment"),
        errors: &[403],
        ..op("post", "/payments", "createPayment", "payments")
    },
    Operation {
        success: Success::Json(200, "Payment", "The payment"),
        errors: &[404],
        ..op("get", "/payments/{id}", "getPayment", "payments")
    },
    Operation {
        description: "Not for read-only roles. The payment is kept with `status: \"cancelled\"`, `cancelled_at` and the reason; each invoice it settled is settled again without it (paid, due and status recomputed) and notes it in its history; the customer credit it made is taken back (409 when that credit was already applied or refunded: cancel those first), the credit it used is given back. Cancelling twice is 409.",
        body: Body::Json("CancelPaymentInput"),
        success: Success::Json(200, "Payment", "The cancelled payment"),
        errors: &[403, 404, 409],
        ..op("post", "/payments/{id}/cancel", "cancelPayment", "payments")
    },
    // products
    Operation {
        description: "`q` searches the reference and the name.",
        query: PRODUCT_LIST,
        success: Success::Json(200, "ProductPage", "A page of products"),
        errors: &[422],
        ..op("get", "/products", "listProducts", "products")
    },
    Operation {
        description: "A reference already used by another product of the company is refused (422 on `reference`).",
        body: Body::Json("ProductInput"),
        success: Success::Json(201, "ProductView", "The new product"),
        errors: &[403],
        ..op("post", "/products", "createProduct", "products")
    },
    Operation {
        success: Success::Json(200, "ProductView", "The product"),
        errors: &[404],
        ..op("get", "/products/{id}", "getProduct", "products")
    },
    Operation {
        description: "The patch is merged (RFC 7386) over the product as `ProductInput`; the result must be a valid `ProductInput`.",
        body: Body::MergePatch("ProductPatch"),
        success: Success::Json(200, "ProductView", "The updated product"),
        errors: &[403, 404, 422],
        ..op("patch", "/products/{id}", "updateProduct", "products")
    },
    // settings
    Operation {
        description: "The pattern, the yearly reset and the count of documents issued of each kind.",
        success: Success::Json(200, "NumberingList", "The numbering of every kind"),
        ..op("get", "/numbering", "listNumbering", "settings")
    },
    Operation {
        description: "Admins only. The new pattern applies to the next document issued. Whether the sequence restarts each year can no longer change once a document of the kind is numbered (409).",
        body: Body::Json("NumberingInput"),
        success: Success::Json(200, "NumberingView", "The numbering of the kind"),
        errors: &[403, 404, 409, 422],
        ..op("put", "/numbering/{kind}", "updateNumbering", "settings")
    },
    Operation {
        description: "Every validated delivery note of the period (by date, both days included) that no invoice takes yet goes on a draft invoice, grouped as each customer's `invoice_grouping` says: one invoice per customer, per delivery address (`site`) or per delivery note. Each invoice opens with a comment line naming its delivery note, is linked to it, and takes its prices. Running it again invoices nothing twice; deleting a draft frees its delivery notes.",
        body: Body::Json("DeliveryRunInput"),
        success: Success::Json(200, "DeliveryRun", "What the run invoiced"),
        errors: &[403, 422],
        ..op("post", "/billing/delivery-notes", "invoiceDeliveries", "billing")
    },
    Operation {
        description: "`allow_negative_stock`: whether validated delivery notes may take a product's stock below zero (default false: 409).",
        success: Success::Json(200, "Settings", "The company's settings"),
        ..op("get", "/settings", "getSettings", "settings")
    },
    Operation {
        description: "Admins only. Absent fields keep their value.",
        body: Body::Json("SettingsInput"),
        success: Success::Json(200, "Settings", "The company's settings"),
        errors: &[403, 422],
        ..op("patch", "/settings", "updateSettings", "settings")
    },
    Operation {
        description: "The PNG or JPEG image drawn in the header of every document. 404 when the company has none.",
        success: Success::Files(&["image/png", "image/jpeg"], "The logo, as uploaded"),
        errors: &[404],
        ..op("get", "/settings/logo", "getLogo", "settings")
    },
    Operation {
        description: "Admins only. The body is the image itself, PNG or JPEG, at most 1 MiB, with its `Content-Type`; it is decoded and drawn once on a trial document before it is stored, so that a broken image is refused here (422) and never breaks a PDF later.",
        body: Body::File(&["image/png", "image/jpeg"]),
        success: Success::Json(200, "Logo", "The logo as stored"),
        errors: &[403],
        ..op("put", "/settings/logo", "setLogo", "settings")
    },
    Operation {
        description: "Admins only. Documents show the company's name instead.",
        success: Success::NoContent("The logo is removed"),
        errors: &[403, 404],
        ..op("delete", "/settings/logo", "deleteLogo", "settings")
    },
    // imports
    Operation {
        description: IMPORT_DESCRIPTION,
        query: &["DryRun", "ImportMapping"],
        body: Body::File(&["text/csv", crate::app::imports::XLSX]),
        success: Success::Json(200, "ImportResult", "What the import did (a dry run: would do)"),
        errors: &[403],
        ..op("post", "/imports/customers", "importCustomers", "imports")
    },
    Operation {
        description: IMPORT_DESCRIPTION,
        query: &["DryRun", "ImportMapping"],
        body: Body::File(&["text/csv", crate::app::imports::XLSX]),
        success: Success::Json(200, "ImportResult", "What the import did (a dry run: would do)"),
        errors: &[403],
        ..op("post", "/imports/products", "importProducts", "imports")
    },
    // meta
    Operation {
        description: "Needs no token.",
        success: Success::OpenApi,
        public: true,
        ..op("get", "/openapi.json", "getOpenApi", "meta")
    },
];

/// Per-operation details, keyed by (method, path) of [`ROUTES`]: the routes above and
/// the operations of every kind of document.
pub static OPERATIONS: LazyLock<Vec<Operation>> = LazyLock::new(|| {
    let mut all = BASE_OPERATIONS.to_vec();
    all.extend(DOCUMENT_ROUTES.iter().map(|r| document_operation(r.kind, r.op, r.method, r.path)));
    all.extend(ISSUE_CHECK_ROUTES.iter().map(|&(kind, path, _)| Operation {
        description: "The problems `POST …/issue` would refuse with 422 (seller identity, buyer identifiers, VAT categories that do not fit the buyer, decimals, rates, legal terms — EN 16931, BR-FR and French invoicing law), without issuing: each with its `code`, the `field` to complete (a settings path such as `settings.identity.siren`, a customer field such as `customer.legal.vat_number`, or a document field such as `lines[2].quantity`) and a `message` in the language of `Accept-Language` (French or English). Quotes, orders, delivery notes and pro-formas are not e-invoices: always issuable here. 409 when issuing would be refused for another reason (not a draft, no lines, a date before the last issued document).",
        success: Success::Json(200, "IssueCheck", "Whether the draft can be issued, and what to fix"),
        errors: &[404, 409],
        ..op("get", path, leak(format!("issueCheck{}", camel(kind))), kind.segment())
    }));
    all
});

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

fn camel(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::Quote => "Quote",
        DocumentKind::Order => "Order",
        DocumentKind::DeliveryNote => "DeliveryNote",
        DocumentKind::Proforma => "Proforma",
        DocumentKind::Invoice => "Invoice",
        DocumentKind::DepositInvoice => "DepositInvoice",
        DocumentKind::CreditNote => "CreditNote",
    }
}

/// Statuses as the document names them: "`draft`, `sent` or `accepted`".
fn one_of(statuses: impl Iterator<Item = Status>) -> String {
    let words: Vec<String> = statuses.map(|s| format!("`{}`", s.as_str())).collect();
    match words.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => words.concat(),
    }
}

/// "A quote that is `sent` or `accepted`": the statuses the kind's table allows `action` from.
fn allowed(kind: DocumentKind, action: Action) -> String {
    let from = lifecycle::of(kind).rule(action).map(|r| r.from).unwrap_or_default();
    let n = noun(kind);
    let article = if n.starts_with(['a', 'e', 'i', 'o', 'u']) { "An" } else { "A" };
    format!("{article} {n} that is {}", one_of(from.iter().copied()))
}

/// The details of one operation on one kind of document.
fn document_operation(kind: DocumentKind, action: DocOp, method: &'static str, path: &'static str) -> Operation {
    let n = noun(kind);
    let c = camel(kind);
    let id = |verb: &str, suffix: &str| leak(format!("{verb}{c}{suffix}"));
    let tag = kind.segment();
    let base = |operation_id| op(method, path, operation_id, tag);
    let issued = kind.issued_status().as_str();
    match action {
        DocOp::List => Operation {
            description: leak(format!(
                "By document date (issue date, or creation date of a draft), newest first; `from` and `to` are inclusive. `status` takes {}.",
                one_of(lifecycle::of(kind).stored_statuses())
            )),
            query: DOCUMENT_LIST,
            success: Success::Json(200, "DocumentPage", leak(format!("A page of {n}s"))),
            errors: &[422],
            ..base(id("list", "s"))
        },
        DocOp::Create => Operation {
            description: "A draft has no number. Currency and payment terms default to the customer's, then the company's. A line naming a `product_id` takes the description, price, VAT and unit it leaves out from the catalogue.",
            body: Body::Json("DocumentInput"),
            success: Success::Json(201, "DocumentView", leak(format!("The new draft {n}"))),
            errors: &[403],
            ..base(id("create", ""))
        },
        DocOp::Show => Operation {
            success: Success::Json(200, "DocumentView", leak(format!("The {n}"))),
            errors: &[404],
            ..base(id("get", ""))
        },
        DocOp::Update => Operation {
            description: "Drafts only (409 once issued). The patch is merged (RFC 7386) over the draft as `DocumentInput`; `lines` is replaced whole (send a line's `id` back to keep it).",
            body: Body::MergePatch("DocumentPatch"),
            success: Success::Json(200, "DocumentView", "The updated draft"),
            errors: &[403, 404, 409, 422],
            ..base(id("update", ""))
        },
        DocOp::Delete => Operation {
            description: "Drafts only (409 once issued).",
            success: Success::NoContent("The draft was deleted"),
            errors: &[403, 404, 409],
            ..base(id("delete", ""))
        },
        DocOp::Issue => Operation {
            description: leak(format!(
                "Assigns the next number of the kind's own sequence, fixes the issue date (today unless the draft has one, never in the future nor before the last issued {n}) and seals it in the hash chain; the status becomes `{issued}`. 409 for a document that is not a draft, has no lines or a negative total. An invoice, deposit invoice or credit note whose e-invoice would break EN 16931, BR-FR or French invoicing law is refused with 422 before any number is drawn: `errors` names each problem with its `code`, `field` and a `message` in the language of `Accept-Language` (see `GET …/issue-check`). Any request body is ignored."
            )),
            success: Success::Json(200, "DocumentView", leak(format!("The issued {n}"))),
            errors: &[403, 404, 409, 422],
            ..base(id("issue", ""))
        },
        DocOp::Duplicate => Operation {
            description: "A new draft of the same kind with the same customer, lines and conditions; it is not linked to the original.",
            success: Success::Json(201, "DocumentView", "The new draft"),
            errors: &[403, 404],
            ..base(id("duplicate", ""))
        },
        DocOp::Accept => Operation {
            description: leak(format!(
                "{} becomes `accepted`; 409 otherwise (an expired quote cannot be accepted).",
                allowed(kind, Action::Accept)
            )),
            success: Success::Json(200, "DocumentView", "The accepted quote"),
            errors: &[403, 404, 409],
            ..base(id("accept", ""))
        },
        DocOp::Refuse => Operation {
            description: leak(format!("{} becomes `refused`; 409 otherwise.", allowed(kind, Action::Refuse))),
            success: Success::Json(200, "DocumentView", "The refused quote"),
            errors: &[403, 404, 409],
            ..base(id("refuse", ""))
        },
        DocOp::Cancel => Operation {
            description: leak(format!(
                "{} becomes `cancelled`; 409 otherwise{}.",
                allowed(kind, Action::Cancel),
                if kind == DocumentKind::Order { " (once anything of it is delivered or invoiced)" } else { "" }
            )),
            success: Success::Json(200, "DocumentView", "The cancelled document"),
            errors: &[403, 404, 409],
            ..base(id("cancel", ""))
        },
        DocOp::Convert => Operation {
            description: "A new draft of the kind named by `to`, linked to this document both ways (`links`), each line pointing at the line it came from (`source_line_id`). A quote becomes an order, an invoice or a pro-forma (and is then `converted`); an order becomes delivery notes (all that is left to deliver, or the `lines` given), an invoice (what is left to invoice) or a pro-forma; a delivery note or a pro-forma becomes an invoice. 409 when the document is not issued or its state forbids it.",
            body: Body::Json("ConvertInput"),
            success: Success::Json(201, "DocumentView", "The new draft"),
            errors: &[403, 404, 409, 422],
            ..base(id("convert", ""))
        },
        DocOp::Payments => Operation {
            description: "The status becomes `partially_paid` or `paid`. An amount above what is due is refused (422 on `amount`, saying what is due) unless `excess` is `\"credit\"`: the rest then becomes customer credit. The answer's `payments` list every payment with its `id` (`POST /payments/{id}/cancel`) and `status`. 409 when the document accepts no payment (a draft, a paid or a credited invoice). One transaction under the invoice's and the customer's row locks.",
            body: Body::Json("PaymentInput"),
            success: Success::Json(200, "DocumentView", "The document with the payment"),
            errors: &[403, 404, 409, 422],
            ..base(id("addPaymentTo", ""))
        },
        DocOp::DepositInvoice => Operation {
            description: "A draft deposit invoice (`/deposit-invoices`) for a percentage of the order or an amount including VAT, split over the order's VAT rates (its bases after the document discount and with its shipping); all deposits together may not exceed the order (422). The invoice that completes the order (the final one, from the order or a delivery note, or the situation at 100 %) deducts the issued deposits on `deduction` lines. 409 for an order that is not confirmed (or delivered).",
            body: Body::Json("DepositInput"),
            success: Success::Json(201, "DocumentView", "The new draft deposit invoice"),
            errors: &[403, 404, 409, 422],
            ..base(id("createDepositInvoiceFor", ""))
        },
        DocOp::ProgressInvoice => Operation {
            description: "A draft invoice for a situation at `cumulative_percent` of completion: each line invoices the increment since the previous situations (net of credit notes issued on them); at 100 % it invoices exactly what is left. The percentage must be above the last situation's (422).",
            body: Body::Json("ProgressInput"),
            success: Success::Json(201, "DocumentView", "The new draft progress invoice"),
            errors: &[403, 404, 409, 422],
            ..base(id("createProgressInvoiceFor", ""))
        },
        DocOp::Pdf => Operation {
            description: "A PDF/A-3b file in the customer's language with the company's identity, the legal mentions and the VAT breakdown. Issued invoices, deposit invoices and credit notes embed their Factur-X XML (`factur-x.xml`, profile set in `/settings`); drafts carry a SPECIMEN watermark and no number.",
            success: Success::File("application/pdf", leak(format!("The {n} as PDF"))),
            errors: &[404],
            ..base(id("get", "Pdf"))
        },
        DocOp::Ubl => Operation {
            description: "UBL 2.1: an `Invoice`, or a `CreditNote` for a credit note, in the flavour of `flavor`: `peppol` (Peppol BIS Billing 3.0) or `fr` (the French e-invoicing network: EN 16931 with the BR-FR rules, the billing frame BT-23 as ProfileID); by default the buyer's network (`fr` for a buyer in France, `peppol` otherwise). Both are rendered and stored when the document is issued and served as stored. 409 for a draft; 422 for another flavour.",
            query: &["UblFlavor"],
            success: Success::File("application/xml", leak(format!("The {n} as UBL"))),
            errors: &[404, 409, 422],
            ..base(id("get", "Ubl"))
        },
        DocOp::Send => Operation {
            description: "Queues an e-mail carrying the document's PDF (`Facture-F2026-00012.pdf`) in the outbox and answers 202 at once; a worker sends it and retries with exponential backoff while the SMTP server is unreachable (`status` `pending` with `last_error`, `attempts` growing), so nothing is lost. Once sent, the document's `history` shows `sent`. Without a body: to the customer's e-mail (else its first contact's), subject and message from the company's template for the kind and the customer's language, or the built-in one. `subject` and `message` may use the merge fields. 409 for a draft; 422 for an invalid address, an unknown merge field, or no recipient at all (`to`). Without an SMTP server configured the message waits in the outbox (`notice`).",
            body: Body::OptionalJson("SendInput"),
            success: Success::Json(202, "EmailView", "The queued message"),
            errors: &[403, 404, 409, 422],
            ..base(id("send", ""))
        },
        DocOp::Emails => Operation {
            description: "Oldest first, with their delivery status.",
            success: Success::Json(200, "EmailList", leak(format!("The e-mails of the {n}"))),
            errors: &[404],
            ..base(id("list", "Emails"))
        },
        DocOp::CreditNote => Operation {
            description: "A draft credit note linked to an issued invoice: `lines` on the invoice's terms, an `amount` including VAT split over its rates, or by default what is left of it (the whole invoice when nothing was credited yet). 409 for a draft, an already fully credited invoice, or a deposit a final invoice has deducted (credit the final invoice instead).",
            body: Body::OptionalJson("CreditNoteInput"),
            success: Success::Json(201, "DocumentView", "The new draft credit note"),
            errors: &[403, 404, 409, 422],
            ..base(id("createCreditNoteFor", ""))
        },
    }
}

/// The details of a route of [`ROUTES`].
pub fn operation(method: &str, path: &str) -> Option<&'static Operation> {
    OPERATIONS.iter().find(|o| o.method == method && o.path == path)
}

/// The names of the parameters in a path template (`/a/{id}/b` → `["id"]`).
pub fn path_parameters(path: &str) -> Vec<&str> {
    path.split('/').filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}'))).collect()
}

/// Every error status an operation may answer, in order.
pub fn error_statuses(o: &Operation) -> Vec<u16> {
    let mut s: Vec<u16> = o.errors.to_vec();
    if !o.public {
        s.push(401);
    }
    if o.body != Body::None {
        s.extend([400, 413, 415, 422]);
    }
    if !o.query.is_empty() {
        // A query string axum cannot read (e.g. a repeated parameter).
        s.push(400);
    }
    if o.method == "post" {
        // Idempotency-Key: still in flight (409), too long or reused for another body (422).
        s.extend([409, 422]);
    }
    s.sort_unstable();
    s.dedup();
    s
}

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn param_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/parameters/{name}") })
}

fn response_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/responses/{name}") })
}

/// The component response of an error status.
fn error_response(status: u16) -> &'static str {
    match status {
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        409 => "Conflict",
        413 => "PayloadTooLarge",
        415 => "UnsupportedMediaType",
        422 => "Invalid",
        other => unreachable!("no error response for status {other}"),
    }
}

fn operation_object(method: &str, path: &str, summary: &str) -> Value {
    let Some(o) = operation(method, path) else {
        // Caught by the `every_route_has_details` test.
        return json!({
            "summary": summary,
            "responses": {"default": {"description": "Undocumented"}},
        });
    };
    let mut params: Vec<Value> = path_parameters(path)
        .into_iter()
        .map(|p| match p {
            "id" => param_ref("Id"),
            "kind" => param_ref("Kind"),
            "file_id" => param_ref("FileId"),
            other => json!({"name": other, "in": "path", "required": true, "schema": {"type": "string"}}),
        })
        .collect();
    params.extend(o.query.iter().map(|q| param_ref(q)));
    if method == "post" {
        params.push(param_ref("IdempotencyKey"));
    }

    let mut responses = Map::new();
    let replay_headers = || {
        if method == "post" {
            json!({"Idempotent-Replayed": {"$ref": "#/components/headers/IdempotentReplayed"}})
        } else {
            json!({})
        }
    };
    match o.success {
        Success::Json(status, schema, description) => {
            responses.insert(
                status.to_string(),
                json!({
                    "description": description,
                    "headers": replay_headers(),
                    "content": {"application/json": {"schema": schema_ref(schema)}},
                }),
            );
        }
        Success::NoContent(description) => {
            responses.insert("204".into(), json!({"description": description}));
        }
        Success::File(media, description) => {
            responses.insert(
                "200".into(),
                json!({"description": description, "content": {media: {"schema": {"type": "string", "contentMediaType": media}}}}),
            );
        }
        Success::Files(media, description) => {
            let content: Map<String, Value> = media
                .iter()
                .map(|m| (m.to_string(), json!({"schema": {"type": "string", "contentMediaType": m}})))
                .collect();
            responses.insert("200".into(), json!({"description": description, "content": content}));
        }
        Success::AnyFile(description) => {
            responses.insert(
                "200".into(),
                json!({"description": description, "content": {"*/*": {"schema": {"type": "string", "contentMediaType": "application/octet-stream"}}}}),
            );
        }
        Success::OpenApi => {
            responses.insert(
                "200".into(),
                json!({
                    "description": "This OpenAPI 3.1 document",
                    "content": {"application/json": {"schema": {"type": "object", "required": ["openapi", "info", "paths"]}}},
                }),
            );
        }
    }
    for status in error_statuses(o) {
        responses.insert(status.to_string(), response_ref(error_response(status)));
    }

    let mut out = json!({
        "operationId": o.operation_id,
        "summary": summary,
        "tags": [o.tag],
        "responses": responses,
    });
    if !o.description.is_empty() {
        out["description"] = json!(o.description);
    }
    if !params.is_empty() {
        out["parameters"] = Value::Array(params);
    }
    let json_body = |schema: &str, required: bool, types: &[&str]| {
        let content: Map<String, Value> =
            types.iter().map(|t| (t.to_string(), json!({"schema": schema_ref(schema)}))).collect();
        json!({"required": required, "content": content})
    };
    match o.body {
        Body::None => {}
        Body::Json(s) => out["requestBody"] = json_body(s, true, &["application/json"]),
        Body::OptionalJson(s) => out["requestBody"] = json_body(s, false, &["application/json"]),
        Body::MergePatch(s) => {
            out["requestBody"] = json_body(s, true, &["application/merge-patch+json", "application/json"])
        }
        Body::File(types) => {
            let content: Map<String, Value> = types
                .iter()
                .map(|t| (t.to_string(), json!({"schema": {"type": "string", "contentMediaType": t}})))
                .collect();
            out["requestBody"] = json!({"required": true, "content": content});
        }
        Body::Multipart => {
            out["requestBody"] = json!({
                "required": true,
                "content": {"multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {"file": {"type": "string", "contentMediaType": "application/octet-stream", "description": "The file, with its name (`filename`) and media type."}},
                    },
                    "encoding": {"file": {"contentType": "*/*"}},
                }},
            });
        }
    }
    if o.public {
        out["security"] = json!([]);
    }
    out
}

/// The OpenAPI document, built from [`ROUTES`].
pub fn document() -> Value {
    let mut paths = Map::new();
    for (method, path, summary) in ROUTES.iter() {
        let entry = paths.entry(path.to_string()).or_insert_with(|| json!({}));
        entry[*method] = operation_object(method, path, summary);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "facturier API",
            "version": env!("CARGO_PKG_VERSION"),
            "summary": "Customer billing: customers, products, invoices and credit notes.",
            "description": "Amounts, quantities, prices and rates are JSON strings holding decimals (`\"1234.50\"`, `\"20\"` for 20 %); dates are `YYYY-MM-DD`. Lists are pages `{data, next_cursor}`: pass `next_cursor` as `after` for the next page. Errors are RFC 9457 `application/problem+json`; invalid input (422) lists every field at fault in `errors`. Every POST accepts an `Idempotency-Key`: the same key and body replay the first response and create nothing new.",
            "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "tags": [
            {"name": "customers", "description": "The customer directory"},
            {"name": "products", "description": "The catalogue of products and services"},
            {"name": "quotes", "description": "Quotes: sent, accepted or refused, converted into orders or invoices"},
            {"name": "orders", "description": "Customer orders: confirmed, delivered, invoiced"},
            {"name": "delivery-notes", "description": "Delivery notes: what left, line by line, without prices"},
            {"name": "proformas", "description": "Pro-forma invoices: no accounting value, convertible into invoices"},
            {"name": "invoices", "description": "Invoices: drafts, issuing, payments, credit notes"},
            {"name": "deposit-invoices", "description": "Deposit invoices: payments on account before the final invoice"},
            {"name": "credit-notes", "description": "Credit notes: drafts and issuing"},
            {"name": "payments", "description": "Payments over several invoices, their cancellation, customer credit and statements"},
            {"name": "billing", "description": "Runs that invoice many documents at once"},
            {"name": "imports", "description": "Customers and products imported from CSV or XLSX files"},
            {"name": "settings", "description": "Company settings: document numbering"},
            {"name": "meta", "description": "About the API itself"},
        ],
        "paths": paths,
        "components": components(),
    })
}

fn components() -> Value {
    json!({
        "securitySchemes": {
            "bearerAuth": {
                "type": "http",
                "scheme": "bearer",
                "description": "An API token (`facturier init` prints one); it belongs to one user in one company. Read-only roles get 403 on every change.",
            },
        },
        "parameters": parameters(),
        "headers": {
            "IdempotentReplayed": {
                "description": "`true` when the response replays the first response to the same `Idempotency-Key` and body.",
                "schema": {"type": "string", "enum": ["true"]},
            },
        },
        "responses": error_responses(),
        "schemas": schemas(),
    })
}

fn parameters() -> Value {
    let statuses: Vec<&str> = Status::ALL.iter().map(|s| s.as_str()).collect();
    json!({
        "Id": {
            "name": "id", "in": "path", "required": true,
            "description": "The resource's id; an id that is not a UUID is unknown (404).",
            "schema": {"type": "string", "format": "uuid"},
        },
        "Kind": {
            "name": "kind", "in": "path", "required": true,
            "description": "A kind of document; any other is unknown (404).",
            "schema": schema_ref("DocumentKind"),
        },
        "FileId": {
            "name": "file_id", "in": "path", "required": true,
            "description": "The file's id; an id that is not a UUID is unknown (404).",
            "schema": {"type": "string", "format": "uuid"},
        },
        "DryRun": {
            "name": "dry_run", "in": "query", "required": false,
            "description": "`true`: check every row and answer what would be done, writing nothing.",
            "schema": {"type": "string", "enum": ["true", "false"], "default": "false"},
        },
        "ImportMapping": {
            "name": "mapping", "in": "query", "required": false,
            "description": "The field of columns, over what their headers say: `Header:field` entries separated by `;` (`Raison sociale:name;CP:postal_code`); an empty field leaves the column out (`Code client:`).",
            "schema": {"type": "string"},
        },
        "UblFlavor": {
            "name": "flavor", "in": "query", "required": false,
            "description": "`peppol` (Peppol BIS Billing 3.0) or `fr` (the French network, BR-FR); default the buyer's network.",
            "schema": {"type": "string", "enum": ["peppol", "fr"]},
        },
        "CustomerSort": {
            "name": "sort", "in": "query", "required": false,
            "description": "The order of the list: `created` (by creation), `name` or `city` (billing city), case- and accent-insensitive, or `balance` (what the customer owes on issued invoices, in the company's currency); each is served by an index, however deep the page.",
            "schema": {"type": "string", "enum": ["created", "name", "city", "balance"], "default": "created"},
        },
        "SortOrder": {
            "name": "order", "in": "query", "required": false,
            "description": "`asc` or `desc`; default `desc` by creation (newest first) and by balance (who owes the most first), `asc` otherwise.",
            "schema": {"type": "string", "enum": ["asc", "desc"]},
        },
        "IdempotencyKey": {
            "name": "Idempotency-Key", "in": "header", "required": false,
            "description": "Makes the POST safe to retry: the same key and body replay the first response (with `Idempotent-Replayed: true`) and create nothing new; the same key with another body is refused (422), and a key whose first request is still running gives 409. A key is the calling user's and lives 24 hours; a JSON body is compared as parsed JSON, any other body byte for byte.",
            "schema": {"type": "string", "minLength": 1, "maxLength": 255},
        },
        "Limit": {
            "name": "limit", "in": "query", "required": false,
            "description": "Page size.",
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
        },
        "After": {
            "name": "after", "in": "query", "required": false,
            "description": "The `next_cursor` of the previous page.",
            "schema": {"type": "string"},
        },
        "CustomerSearch": {
            "name": "q", "in": "query", "required": false,
            "description": "Every word (at most 8 are used) must appear in the name, activity, e-mail, SIREN, VAT number, a city or postal code, a contact's name or e-mail, or a tag; case- and accent-insensitive.",
            "schema": {"type": "string"},
        },
        "ProductSearch": {
            "name": "q", "in": "query", "required": false,
            "description": "Every word must appear in the reference or the name; case- and accent-insensitive.",
            "schema": {"type": "string"},
        },
        "Activity": {
            "name": "activity", "in": "query", "required": false,
            "description": "Only customers of exactly this activity (case- and accent-insensitive).",
            "schema": {"type": "string"},
        },
        "Status": {
            "name": "status", "in": "query", "required": false,
            "description": "Only documents in this status.",
            "schema": {"type": "string", "enum": statuses},
        },
        "CustomerId": {
            "name": "customer_id", "in": "query", "required": false,
            "description": "Only documents of this customer.",
            "schema": {"type": "string", "format": "uuid"},
        },
        "From": {
            "name": "from", "in": "query", "required": false,
            "description": "Only documents dated on or after this day.",
            "schema": schema_ref("Date"),
        },
        "To": {
            "name": "to", "in": "query", "required": false,
            "description": "Only documents dated on or before this day.",
            "schema": schema_ref("Date"),
        },
    })
}

fn error_responses() -> Value {
    let problem = |description: &str| {
        json!({
            "description": description,
            "content": {"application/problem+json": {"schema": schema_ref("Problem")}},
        })
    };
    json!({
        "BadRequest": problem("The body is not JSON (or not sent as `application/json`), or the query string is malformed (e.g. a repeated parameter)"),
        "Unauthorized": problem("Missing or unknown API token"),
        "Forbidden": problem("The token's role may not change anything"),
        "NotFound": problem("No such resource in the token's company"),
        "Conflict": problem("The change is not allowed in the resource's state (e.g. editing an issued invoice), or a request with the same `Idempotency-Key` is still running"),
        "PayloadTooLarge": problem("The body is larger than 2 MiB"),
        "UnsupportedMediaType": problem("The body is not sent with a media type the operation accepts (application/json for JSON bodies)"),
        "Invalid": problem("Invalid input: `errors` names every field at fault"),
    })
}

// ---- schema helpers -------------------------------------------------------------

/// A schema that also accepts `null` (`null` means "absent" in a body).
fn nullable(s: Value) -> Value {
    match s.get("type") {
        Some(Value::String(t)) if s.get("$ref").is_none() => {
            let mut s = s.clone();
            s["type"] = json!([t, "null"]);
            if let Some(Value::Array(e)) = s.get_mut("enum")
                && !e.contains(&Value::Null)
            {
                e.push(Value::Null);
            }
            s
        }
        Some(Value::Array(t)) if t.contains(&json!("null")) => s,
        _ => json!({"anyOf": [s, {"type": "null"}]}),
    }
}

/// A required text of at most `max` characters (trimmed; blank counts as absent).
fn text(max: usize) -> Value {
    json!({"type": "string", "minLength": 1, "maxLength": max})
}

fn opt_text(max: usize) -> Value {
    nullable(json!({"type": "string", "maxLength": max}))
}

fn described(mut s: Value, description: &str) -> Value {
    s["description"] = json!(description);
    s
}

fn decimal(description: &str) -> Value {
    described(schema_ref("Decimal"), description)
}

fn opt_decimal(description: &str) -> Value {
    described(nullable(schema_ref("Decimal")), description)
}

fn uuid() -> Value {
    json!({"type": "string", "format": "uuid"})
}

fn instant() -> Value {
    json!({"type": "string", "format": "date-time"})
}

/// A field an input accepts (so a body read with GET can be sent back) and ignores.
fn ignored() -> Value {
    json!({"readOnly": true, "description": "Read-only: accepted and ignored."})
}

fn object(required: &[&str], properties: Value) -> Value {
    json!({"type": "object", "required": required, "properties": properties})
}

/// An input object: unknown fields are refused (422).
fn input(required: &[&str], properties: Value) -> Value {
    let mut o = object(required, properties);
    o["additionalProperties"] = json!(false);
    o
}

fn page(item: &str, description: &str) -> Value {
    json!({
        "type": "object",
        "description": description,
        "required": ["data", "next_cursor"],
        "properties": {
            "data": {"type": "array", "items": schema_ref(item)},
            "next_cursor": {
                "type": ["string", "null"],
                "description": "Pass it as `after` for the next page; null on the last page.",
            },
        },
    })
}

/// The merge-patch form of an input schema: nothing required, `null` removes a value,
/// and nested objects (merged, not replaced) take their own patch form.
fn patch_of(schema: &Value, renames: &[(&str, &str)], description: &str) -> Value {
    fn rename_refs(v: &mut Value, renames: &[(&str, &str)]) {
        match v {
            Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    match (k.as_str(), &*x) {
                        ("items", _) => {} // arrays are replaced whole
                        ("$ref", Value::String(r)) => {
                            if let Some((_, to)) =
                                renames.iter().find(|(from, _)| r.strip_prefix("#/components/schemas/") == Some(*from))
                            {
                                *x = json!(format!("#/components/schemas/{to}"));
                            }
                        }
                        _ => rename_refs(x, renames),
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(|x| rename_refs(x, renames)),
            _ => {}
        }
    }
    let mut p = schema.clone();
    let m = p.as_object_mut().expect("an input schema is an object");
    m.remove("required");
    m.remove("anyOf");
    m.insert("description".into(), json!(description));
    if let Some(Value::Object(props)) = m.get_mut("properties") {
        for prop in props.values_mut() {
            if prop.get("readOnly").is_some() {
                continue;
            }
            rename_refs(prop, renames);
            let description = prop.as_object_mut().and_then(|o| o.remove("description"));
            *prop = nullable(prop.take());
            if let Some(d) = description {
                prop["description"] = d;
            }
        }
    }
    p
}

// ---- derived schemas ------------------------------------------------------------

/// The component schemas derived from the Rust types (`utoipa::ToSchema`): the struct's
/// fields, which are required, `additionalProperties: false` from `deny_unknown_fields`,
/// descriptions from the doc comments and constraints from `#[schema(...)]`.
#[derive(utoipa::OpenApi)]
#[openapi(components(schemas(
    crate::api::issue_check::IssueCheck,
    crate::api::email::EmailView,
    crate::app::email::SendInput,
    crate::app::settings::NumberingView,
    crate::app::settings::NumberingInput,
    crate::app::customers::CustomerInput,
    crate::app::customers::AddressInput,
    crate::app::customers::ContactInput,
    crate::app::customers::LegalInput,
    crate::api::products::ProductInput,
    crate::api::products::ProductView,
    crate::api::imports::ImportResult,
    crate::api::imports::RejectedRow,
)))]
struct Derived;

fn derived_schemas() -> Map<String, Value> {
    use utoipa::OpenApi;
    let schemas = Derived::openapi().components.map(|c| c.schemas).unwrap_or_default();
    match serde_json::to_value(schemas) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

/// Schemas written in [`schemas`] that a derived field refers to by name
/// (`#[schema(value_type = written::DecimalText)]` gives `$ref: #/components/schemas/Decimal`
/// with the field's doc comment as its description).
pub(crate) mod written {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::{Object, Schema};

    macro_rules! written {
        ($($marker:ident => $name:literal),*) => {$(
            pub struct $marker;
            impl utoipa::PartialSchema for $marker {
                /// A placeholder: the schema of that name in `schemas()` replaces it.
                fn schema() -> RefOr<Schema> {
                    Schema::Object(Object::new()).into()
                }
            }
            impl utoipa::ToSchema for $marker {
                fn name() -> std::borrow::Cow<'static, str> {
                    $name.into()
                }
            }
        )*};
    }
    // Not named `Decimal`: utoipa's `decimal` feature would take it for rust_decimal's.
    written!(DecimalText => "Decimal", UnitCode => "UnitCode", VatCategory => "VatCategory", Nature => "Nature");
}

/// Field schemas the derive cannot infer from the Rust type (`#[schema(schema_with = ...)]`):
/// a field kept as text whose values are a closed list, or a reference to a schema
/// written here rather than derived. A `schema_with` field takes no description from its
/// doc comment: it is written here.
pub(crate) mod field {
    use serde_json::{Value, json};
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::Schema;

    fn schema(v: Value) -> RefOr<Schema> {
        serde_json::from_value(v).expect("a literal schema")
    }

    pub fn document_kind() -> RefOr<Schema> {
        schema(json!({"$ref": "#/components/schemas/DocumentKind"}))
    }

    pub fn field_errors() -> RefOr<Schema> {
        schema(json!({
            "type": "array",
            "items": {"$ref": "#/components/schemas/FieldError"},
            "description": "What issuing would refuse (422), in the reader's language (`Accept-Language`).",
        }))
    }

    pub fn emails() -> RefOr<Schema> {
        schema(json!({"type": "array", "items": {"type": "string", "format": "email"}}))
    }

    fn addresses(description: &str) -> RefOr<Schema> {
        schema(json!({
            "type": ["array", "null"],
            "maxItems": crate::app::email::MAX_RECIPIENTS,
            "items": {"type": "string", "format": "email"},
            "description": description,
        }))
    }

    pub fn recipients() -> RefOr<Schema> {
        addresses("Recipients; default: the customer's e-mail, else its first contact's.")
    }

    pub fn copies() -> RefOr<Schema> {
        addresses("Copies.")
    }

    pub fn send_language() -> RefOr<Schema> {
        schema(json!({
            "type": ["string", "null"],
            "enum": ["fr", "en", null],
            "description": "Language of the template and of the attachment's name; default: the customer's.",
        }))
    }

    pub fn email_status() -> RefOr<Schema> {
        schema(json!({
            "type": "string",
            "enum": ["pending", "sending", "sent", "failed"],
            "description": "`pending`: queued, waiting for its first attempt or a retry; `sending`: a worker is handing it to the SMTP server; `sent`: accepted by it; `failed`: refused for good or too many attempts.",
        }))
    }

    pub fn customer_kind() -> RefOr<Schema> {
        schema(json!({"type": ["string", "null"], "enum": ["company", "individual", null], "default": "company"}))
    }

    pub fn customer_language() -> RefOr<Schema> {
        schema(json!({
            "type": ["string", "null"],
            "enum": ["fr", "en", null],
            "default": "fr",
            "description": "Language of the customer's documents.",
        }))
    }

    pub fn payment_terms_input() -> RefOr<Schema> {
        schema(json!({
            "anyOf": [{"$ref": "#/components/schemas/PaymentTermsInput"}, {"type": "null"}],
            "description": "Default terms of the customer's documents.",
        }))
    }

    pub fn tags() -> RefOr<Schema> {
        schema(json!({"type": ["array", "null"], "maxItems": 50, "items": {"type": "string", "maxLength": 50}}))
    }

    pub fn invoice_grouping() -> RefOr<Schema> {
        schema(json!({
            "type": ["string", "null"],
            "enum": ["customer", "site", "delivery_note", null],
            "description": "How the monthly run invoices this customer's delivery notes; default `customer`.",
        }))
    }

    pub fn network() -> RefOr<Schema> {
        schema(json!({
            "type": ["string", "null"],
            "enum": ["fr", "peppol", null],
            "description": "The e-invoicing network the customer receives on, hence the UBL `GET /invoices/{id}/ubl` serves it: `fr` (the French platforms, BR-FR) or `peppol`; absent: `fr` for a customer in France, `peppol` otherwise.",
        }))
    }
}

fn schemas() -> Value {
    let categories: Vec<&str> = VatCategory::ALL.iter().map(|c| c.code()).collect();
    let statuses: Vec<&str> = Status::ALL.iter().map(|s| s.as_str()).collect();
    let kinds: Vec<&str> = DocumentKind::ALL.iter().map(|k| k.as_str()).collect();
    let payment_methods = ["bank_transfer", "card", "cheque", "cash", "direct_debit", "online", "other"];
    let payment_method_aliases = [
        "transfer",
        "wire",
        "wire_transfer",
        "credit_transfer",
        "sepa_transfer",
        "sepa_credit_transfer",
        "virement",
        "bank",
        "credit_card",
        "debit_card",
        "cb",
        "carte",
        "carte_bancaire",
        "check",
        "chèque",
        "especes",
        "espèces",
        "liquide",
        "sepa_direct_debit",
        "sepa_debit",
        "sepa",
        "debit",
        "prelevement",
        "prélèvement",
        "paypal",
        "stripe",
        "payment_link",
        "autre",
    ];

    let mut s = derived_schemas();
    let mut add = |name: &str, v: Value| {
        s.insert(name.to_string(), v);
    };

    // ---- shared ----
    add(
        "Problem",
        json!({
            "type": "object",
            "description": "An RFC 9457 problem (`application/problem+json`).",
            "required": ["type", "title", "status", "code", "detail"],
            "properties": {
                "type": {"type": "string", "description": "`tag:facturier.org,2026:problem:` followed by `code`: a stable identifier of the kind of problem (not a web address)."},
                "title": {"type": "string", "description": "The status's reason phrase."},
                "status": {"type": "integer", "minimum": 400, "maximum": 599},
                "code": {"type": "string", "description": "What went wrong, stable for programs: `invalid_input` (see `errors`), `not_found`, `forbidden`, `not_issuable`, `refused_cancel`, `credit_note_more_left`… (docs/api.md lists them)."},
                "detail": {"type": "string", "description": "The same in an English sentence."},
                "errors": {
                    "type": "array",
                    "description": "Present on 422: every field at fault.",
                    "items": schema_ref("FieldError"),
                },
            },
        }),
    );
    add(
        "FieldError",
        json!({
            "type": "object",
            "required": ["field", "code", "message"],
            "properties": {
                "field": {
                    "type": "string",
                    "description": "Path of the field: `name`, `billing_address.city`, `lines[2].vat_rate`, `Idempotency-Key`, `limit`…; `body` for the body as a whole.",
                },
                "message": {"type": "string", "description": "What is wrong, in English (in the reader's language for the e-invoicing rules)."},
                "code": {"type": "string", "description": "What is wrong, stable for programs: `required`, `too_long`, `not_a_date`…; on an issue refused by the e-invoicing rules, the rule's problem (`seller_siren_missing`, `vat_rate_not_french`…)."},
                "rule": {"type": "string", "description": "The EN 16931 / BR-FR rule or the article of law it would break."},
                "place": {"type": "string", "enum": ["identity", "terms", "numbering", "customer", "document"], "description": "Where it is fixed: a settings page, the customer, the document."},
                "line": {"type": "integer", "minimum": 0, "description": "The index in `lines` of the line concerned."},
            },
        }),
    );
    add(
        "Decimal",
        json!({
            "type": "string",
            "format": "decimal",
            "description": "A decimal number as a JSON string, without exponent or thousands separator.",
            "pattern": "^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)$",
            "maxLength": 40,
            "examples": ["1234.50", "20", "-3"],
        }),
    );
    add(
        "Date",
        json!({"type": "string", "format": "date", "description": "A day, `YYYY-MM-DD`.", "examples": ["2026-11-23"]}),
    );
    add(
        "PaymentTerms",
        json!({
            "type": "string",
            "description": "When an invoice falls due: `on_receipt`, `N_days` (N days after the issue date), `N_days_end_of_month` (N days, then the end of that month) or `end_of_month_plus_N` (the end of the issue month, then N days); N is at most 365. Case-insensitive.",
            "pattern": "^(on_receipt|[0-9]{1,3}_days|[0-9]{1,3}_days_end_of_month|end_of_month_plus_[0-9]{1,3})$",
            "examples": ["30_days", "45_days_end_of_month", "end_of_month_plus_10", "on_receipt"],
        }),
    );
    add(
        "PaymentTermsInput",
        json!({
            "type": ["string", "integer"],
            "description": "Payment terms as written in `PaymentTerms`, or a number of days (0 is on receipt). Also accepted: `net_30`, `30d`, `45_days_eom`, `immediate`.",
            "examples": ["30_days", 30, "45_days_end_of_month"],
        }),
    );
    add(
        "VatCategory",
        json!({
            "type": "string",
            "description": "UNTDID 5305 VAT category: S standard, Z zero-rated, E exempt, AE reverse charge, K intra-community, G export, O outside the scope of VAT. Input is case-insensitive; by default S for a positive rate and Z for 0.",
            "enum": categories,
        }),
    );
    add(
        "UnitCode",
        json!({
            "type": "string",
            "description": "A UN/ECE recommendation 20 unit code (case-insensitive): C62 one, H87 piece, HUR hour, DAY day, MON month, KGM kilogram, MTR metre, LTR litre, LS lump sum, E48 service unit…",
            "pattern": "^[A-Za-z0-9]{1,3}$",
            "examples": ["C62", "HUR", "DAY"],
        }),
    );
    add(
        "DocumentStatus",
        json!({
            "type": "string",
            "description": "`draft` → `issued` → `partially_paid` → `paid`; an issued invoice fully offset by credit notes becomes `credited`.",
            "enum": statuses,
        }),
    );
    add("DocumentKind", json!({"type": "string", "enum": kinds}));

    // ---- customers: input (derived) and its merge patches ----
    // The read-only fields a customer body may send back from a GET: serde never writes
    // them (`skip_serializing`), so the derive leaves them out.
    if let Some(Value::Object(props)) = s.get_mut("CustomerInput").and_then(|c| c.get_mut("properties")) {
        for field in ["id", "credit", "created_at", "updated_at"] {
            props.insert(field.to_string(), ignored());
        }
    }
    let renames = [("AddressInput", "AddressPatch"), ("LegalInput", "LegalPatch")];
    for (name, of, description) in [
        ("CustomerPatch", "CustomerInput", "An RFC 7386 merge patch over a `CustomerInput`."),
        (
            "AddressPatch",
            "AddressInput",
            "A merge patch over an `AddressInput` (an absent address takes the patch as it is, which must then be a whole address).",
        ),
        ("LegalPatch", "LegalInput", "A merge patch over a `LegalInput`."),
    ] {
        let patch = s.get(of).map(|input| patch_of(input, &renames, description));
        if let Some(patch) = patch {
            s.insert(name.to_string(), patch);
        }
    }
    let mut add = |name: &str, v: Value| {
        s.insert(name.to_string(), v);
    };

    // ---- customers: output ----
    add(
        "CustomerView",
        object(
            &[
                "id",
                "kind",
                "name",
                "email",
                "activity",
                "legal",
                "iban",
                "billing_address",
                "delivery_address",
                "contacts",
                "language",
                "currency",
                "payment_terms",
                "tags",
                "notes",
                "created_at",
                "updated_at",
            ],
            json!({
                "id": uuid(),
                "kind": {"type": "string", "enum": ["company", "individual"]},
                "name": {"type": "string"},
                "email": {"type": ["string", "null"], "format": "email"},
                "activity": {"type": ["string", "null"]},
                "legal": schema_ref("LegalIds"),
                "iban": {"type": ["string", "null"]},
                "billing_address": schema_ref("Address"),
                "delivery_address": nullable(schema_ref("Address")),
                "contacts": {"type": "array", "items": schema_ref("Contact")},
                "language": {"type": "string", "enum": ["fr", "en"]},
                "currency": {"type": ["string", "null"]},
                "payment_terms": nullable(schema_ref("PaymentTerms")),
                "tags": {"type": "array", "items": {"type": "string"}},
                "notes": {"type": ["string", "null"]},
                "invoice_grouping": {"type": "string", "enum": ["customer", "site", "delivery_note"]},
                "network": {"type": "string", "enum": ["fr", "peppol"], "description": "Absent when the customer chose none (its country tells)."},
                "credit": {
                    "type": "array",
                    "description": "Money to the customer's credit (overpayments, credit notes beyond what was due), per currency. Absent in lists.",
                    "items": schema_ref("CreditView"),
                },
                "created_at": instant(),
                "updated_at": instant(),
            }),
        ),
    );
    add(
        "Address",
        object(
            &["line1", "postal_code", "city", "country"],
            json!({
                "line1": {"type": "string"},
                "line2": {"type": "string", "description": "Absent when empty."},
                "postal_code": {"type": "string"},
                "city": {"type": "string"},
                "country": {"type": "string", "pattern": "^[A-Z]{2}$"},
            }),
        ),
    );
    add(
        "Contact",
        object(
            &["name", "role", "email", "phone", "mobile"],
            json!({
                "name": {"type": "string"},
                "role": {"type": ["string", "null"]},
                "email": {"type": ["string", "null"], "format": "email"},
                "phone": {"type": ["string", "null"]},
                "mobile": {"type": ["string", "null"]},
            }),
        ),
    );
    add(
        "LegalIds",
        object(
            &["siren", "siret", "vat_number"],
            json!({
                "siren": {"type": ["string", "null"]},
                "siret": {"type": ["string", "null"]},
                "vat_number": {"type": ["string", "null"]},
            }),
        ),
    );
    add(
        "CreditView",
        object(&["currency", "amount"], json!({"currency": {"type": "string"}, "amount": schema_ref("Decimal")})),
    );
    add("CustomerPage", page("CustomerView", "A page of customers."));
    add(
        "CustomerFile",
        object(
            &["id", "customer_id", "name", "content_type", "size", "sha256", "created_at"],
            json!({
                "id": uuid(),
                "customer_id": uuid(),
                "name": {"type": "string", "description": "The file name as uploaded, without any path."},
                "content_type": {"type": "string", "examples": ["application/pdf"]},
                "size": {"type": "integer", "minimum": 1, "maximum": crate::api::customer_files::MAX_FILE, "description": "Bytes."},
                "sha256": {"type": "string", "description": "SHA-256 of the bytes, hex."},
                "created_at": instant(),
            }),
        ),
    );
    add("CustomerFileList", json!({"type": "array", "items": schema_ref("CustomerFile")}));

    // ---- products (derived) ----
    if let Some(Value::Object(props)) = s.get_mut("ProductInput").and_then(|c| c.get_mut("properties")) {
        for field in ["id", "margin", "created_at", "updated_at"] {
            props.insert(field.to_string(), ignored());
        }
    }
    if let Some(patch) =
        s.get("ProductInput").map(|p| patch_of(p, &[], "An RFC 7386 merge patch over a `ProductInput`."))
    {
        s.insert("ProductPatch".to_string(), patch);
    }
    let mut add = |name: &str, v: Value| {
        s.insert(name.to_string(), v);
    };
    add("ProductPage", page("ProductView", "A page of products."));
    add(
        "Nature",
        json!({"type": "string", "enum": ["goods", "services"], "description": "What a line or a product supplies: goods or services."}),
    );

    // ---- documents: input ----
    let mut line_input = input(
        &["quantity"],
        json!({
            "id": described(nullable(json!({"type": "string"})), "A line's id, sent back to keep it across a PATCH; a new id is made when absent or not a UUID."),
            "product_id": described(nullable(json!({"type": "string", "format": "uuid"})), "A product of the catalogue: the line takes the description, price, VAT and unit it leaves out from it."),
            "description": described(nullable(json!({"type": "string", "minLength": 1, "maxLength": MAX_DESCRIPTION})), "Required without `product_id`."),
            "quantity": decimal("Not zero (negative for a return), at most 6 decimals."),
            "unit": nullable(schema_ref("UnitCode")),
            "unit_price": opt_decimal("Net unit price: at least 0, at most 6 decimals. Required without `product_id`."),
            "vat_rate": opt_decimal("VAT rate in percent: 0 to 100, at most 4 decimals. Required without `product_id`."),
            "vat_category": described(nullable(schema_ref("VatCategory")), "Read with `vat_rate` only."),
            "discount_percent": opt_decimal("Line discount in percent: 0 to 100, at most 4 decimals; default 0."),
            "kind": {"type": ["string", "null"], "enum": ["item", "comment", "subtotal", "deduction", null], "description": "`item` (default); `comment`: text only, `description` required; `subtotal`: shows the sum of the item lines since the previous subtotal; `deduction`: a deposit taken back by the final invoice (written by facturier, figures like an item, never touched by the document discount)."},
            "other_taxes": described(nullable(json!({"type": "array", "maxItems": 10, "items": schema_ref("OtherTaxInput")})), "Taxes other than VAT, such as the eco-participation: part of the line net, bearing the line's VAT, never discounted by the document discount."),
            "purchase_price": opt_decimal("Cost of one unit, for margins; default the product's purchase price."),
            "nature": described(nullable(schema_ref("Nature")), "What the line supplies; default the product's, else `services` for a time unit (hour, day…), else the company's main activity (settings `documents.main_activity`). It makes the nature of the operation and the billing frame (BT-23)."),
            "net": ignored(),
            "charge": ignored(),
            "margin": ignored(),
            "margin_rate": ignored(),
            "source_line_id": ignored(),
            "available_stock": ignored(),
        }),
    );
    line_input["anyOf"] = json!([
        {"required": ["kind"], "properties": {"kind": {"enum": ["comment", "subtotal"]}}},
        {"required": ["product_id"], "properties": {"product_id": {"type": "string", "format": "uuid"}}},
        {"required": ["description", "unit_price", "vat_rate"], "properties": {
            "description": {"type": "string"},
            "unit_price": schema_ref("Decimal"),
            "vat_rate": schema_ref("Decimal"),
        }},
    ]);
    add("LineInput", line_input);
    add(
        "OtherTaxInput",
        input(
            &["label"],
            json!({
                "label": {"type": "string", "minLength": 1, "maxLength": 100},
                "amount_per_unit": opt_decimal("A fixed amount per unit (eco-participation)."),
                "percent": opt_decimal("Or a percentage of the unit price."),
            }),
        ),
    );
    add(
        "ExemptionInput",
        described(
            input(
                &["category", "text"],
                json!({
                    "category": {"type": "string", "enum": ["E", "AE", "K", "G", "O"], "description": "The 0 % category the mention is for; at most one mention per category."},
                    "code": {"type": ["string", "null"], "description": "A code of the VATEX list (BT-121) that fits the category: VATEX-EU-AE or VATEX-FR-AE for AE, VATEX-EU-IC for K, VATEX-EU-G for G, VATEX-EU-O for O, any other for E (VATEX-FR-CGI261-4…). Absent: the category's own, none for E."},
                    "text": {"type": "string", "minLength": 1, "maxLength": 300, "description": "The mention printed and sent as BT-120, in place of the category's default."},
                }),
            ),
            "A VAT exemption mention of one's own, such as a training body's \"Exonération de TVA, article 261-4-4° a du CGI\".",
        ),
    );
    add(
        "ShippingInput",
        input(
            &["amount", "vat_rate"],
            json!({
                "amount": decimal("Shipping costs without VAT, with at most the currency's decimals."),
                "vat_rate": decimal("The VAT rate of the shipping costs, in percent."),
                "vat_category": nullable(schema_ref("VatCategory")),
                "label": described(opt_text(100), "Default `Frais de port`."),
            }),
        ),
    );
    add(
        "InstalmentInput",
        input(
            &["percent", "condition"],
            json!({
                "percent": decimal("Share of the gross, in percent; the instalments add up to 100."),
                "kind": {"type": ["string", "null"], "enum": ["deposit", "payment", null]},
                "condition": {"type": "string", "description": "`on_order`, `30_days`, `45_days_end_of_month`, `end_of_month_plus_10`…, counted from the previous instalment's date (the document's date for the first)."},
                "mode": {"type": ["string", "null"]},
                "title": opt_text(200),
                "amount": ignored(),
                "due_date": ignored(),
            }),
        ),
    );
    let document_input = input(
        &["customer_id", "lines"],
        json!({
            "customer_id": {"type": "string", "format": "uuid", "description": "A customer of the company (422 otherwise)."},
            "currency": described(nullable(json!({"type": "string", "pattern": "^[A-Za-z]{3}$"})), "ISO 4217 code; default the customer's, then the company's."),
            "issue_date": described(nullable(schema_ref("Date")), "Fixed when issuing (today when absent); never in the future."),
            "payment_terms": described(nullable(schema_ref("PaymentTermsInput")), "Default the customer's, then `30_days`."),
            "lines": {"type": "array", "maxItems": MAX_LINES, "items": schema_ref("LineInput"), "description": "May be empty in a draft; an invoice is issued with at least one line."},
            "discount_percent": opt_decimal("Document discount in percent: 0 to 100, at most 4 decimals; default 0."),
            "customer_reference": described(opt_text(100), "The customer's order reference (BT-13)."),
            "note": described(opt_text(5000), "Public note, printed."),
            "title": described(opt_text(200), "Printed and searched title."),
            "valid_until": described(nullable(schema_ref("Date")), "Last day a quote can be accepted; past it, a sent quote shows as `expired`."),
            "delivery_date": described(nullable(schema_ref("Date")), "Planned delivery date."),
            "internal_note": described(opt_text(5000), "Never printed."),
            "terms": described(opt_text(50000), "Terms and conditions."),
            "special_conditions": described(opt_text(20000), "Special conditions, printed before the terms."),
            "discount_amount": opt_decimal("A document discount as an amount on the net, instead of `discount_percent`; split across VAT rates in proportion to their bases."),
            "billing_address": described(nullable(schema_ref("AddressInput")), "Default: the customer's billing address when the document is created."),
            "exchange_rate": opt_decimal("Company-currency units for one unit of the document's currency; required to issue a document in a foreign currency, fixed with it; refused for the company's own currency."),
            "contact": described(opt_text(200), "The person the document is addressed to."),
            "salesperson": described(opt_text(200), "The salesperson in charge."),
            "payment_mode": {"type": ["string", "null"], "enum": facturier_core::schedule::PaymentMode::ALL.iter().map(|m| json!(m.as_str())).chain([Value::Null]).collect::<Vec<_>>(), "description": "How the customer is expected to pay."},
            "operation": {"type": ["string", "null"], "enum": ["goods", "services", "mixed", null], "description": "Nature of the operation (a mention of the 2026 reform); told by the lines' units when absent: hours, days, months, lump sums and services are services, the rest goods."},
            "counter_value": ignored(),
            "delivery_address": described(nullable(schema_ref("AddressInput")), "Default: the customer's delivery address, else the billing address."),
            "shipping": nullable(schema_ref("ShippingInput")),
            "schedule": described(nullable(json!({"type": "array", "maxItems": 120, "items": schema_ref("InstalmentInput")})), "A payment schedule; the percentages add up to 100."),
            "vat_exemptions": described(nullable(json!({"type": "array", "maxItems": 7, "items": schema_ref("ExemptionInput")})), "The document's own VAT exemption mentions. Absent when creating: the company's (settings `documents.vat_exemptions`); `[]`: every category's default mention."),
            "progress_percent": ignored(),
            "margin": ignored(),
            "id": ignored(),
            "kind": ignored(),
            "status": ignored(),
            "number": ignored(),
            "due_date": ignored(),
            "totals": ignored(),
            "payments": ignored(),
            "links": ignored(),
            "seal": ignored(),
            "created_at": ignored(),
            "updated_at": ignored(),
            "issued_at": ignored(),
        }),
    );
    add(
        "DocumentPatch",
        patch_of(&document_input, &[], "An RFC 7386 merge patch over a `DocumentInput`; `lines` is replaced whole."),
    );
    add(
        "DocumentInput",
        described(document_input, "The body of `POST /invoices` (and of every kind of document); `null` means absent."),
    );
    let str_or_null = || json!({"type": ["string", "null"]});
    let identity_props = json!({
        "name": {"type": "string", "description": "Legal name (raison sociale)."},
        "trading_name": str_or_null(), "legal_form": described(str_or_null(), "SAS, SARL, EI…"),
        "share_capital": nullable(schema_ref("Decimal")), "rcs_city": described(str_or_null(), "City of the RCS registry."),
        "siren": str_or_null(), "siret": str_or_null(), "vat_number": str_or_null(),
        "address": schema_ref("Address"), "email": str_or_null(), "phone": str_or_null(), "website": str_or_null(),
    });
    let bank_props = json!({
        "label": {"type": "string"}, "iban": {"type": "string"}, "bic": str_or_null(), "holder": str_or_null(),
        "default": {"type": "boolean", "description": "The account printed on documents."},
    });
    let template_props = |required: bool| {
        let fields = facturier_formats::email::Field::list();
        let t = |max: usize, what: &str| {
            described(text(max), &format!("{what}; merge fields: {fields}. `{{{{` and `}}}}` write a brace."))
        };
        let tpl = json!({"subject": t(300, "Subject"), "body": t(20_000, "Body, plain text")});
        let one = if required { object(&["subject", "body"], tpl) } else { input(&["subject", "body"], tpl) };
        let langs = json!({"fr": one.clone(), "en": one});
        let by_lang = if required { object(&[], langs) } else { input(&[], langs) };
        let kinds: Map<String, Value> =
            DocumentKind::ALL.iter().map(|k| (k.as_str().to_string(), by_lang.clone())).collect();
        if required { object(&[], Value::Object(kinds)) } else { input(&[], Value::Object(kinds)) }
    };
    let legal_props = json!({
        "late_penalty_rate": described(nullable(schema_ref("Decimal")), "Yearly late-payment penalty rate in percent; null prints the legal default (ECB rate + 10 points)."),
        "early_payment_discount": described(str_or_null(), "Early-payment discount terms; null prints \"no discount for early payment\"."),
        "vat_on_debits": {"type": "boolean", "description": "The company opted to pay VAT on debits (printed on invoices)."},
        "vat_regime": {"type": "string", "enum": ["registered", "franchise"], "description": "`registered` (the default: the company charges VAT) or `franchise` (franchise en base, art. 293 B of the CGI: no VAT charged). Sealed with each document."},
    });
    let look_props = json!({
        "accent": described(str_or_null(), "Accent colour of documents, #rrggbb."),
        "show_reference": {"type": "boolean"}, "show_discount": {"type": "boolean"}, "totals_on_every_page": {"type": "boolean"},
        "default_terms": described(str_or_null(), "Terms and conditions printed on documents that have none of their own."),
        "facturx_profile": {"type": "string", "enum": ["minimum", "basic_wl", "en16931"]},
        "default_payment_terms": described(nullable(schema_ref("PaymentTermsInput")), "Payment terms of documents whose customer has none of its own; null: 30 days."),
        "vat_rates": {"type": "array", "maxItems": 10, "items": schema_ref("Decimal"), "description": "VAT rates in percent offered by the document editors."},
        "vat_exemptions": {"type": "array", "maxItems": 7, "items": schema_ref("ExemptionInput"), "description": "The company's own VAT exemption mentions, copied into each new document."},
        "main_activity": {"type": "string", "enum": ["services", "goods"], "description": "What a line typed by hand supplies when nothing else tells it (default `services`)."},
    });
    add(
        "Settings",
        object(
            &["allow_negative_stock", "banks", "legal", "documents", "email_templates"],
            json!({
                "allow_negative_stock": {"type": "boolean"},
                "identity": described(object(&["name", "address"], identity_props.clone()), "The legal identity printed on documents; absent until filled in."),
                "banks": {"type": "array", "items": object(&["label", "iban", "default"], bank_props.clone())},
                "legal": object(&["vat_on_debits"], legal_props.clone()),
                "documents": object(&["show_reference", "show_discount", "totals_on_every_page", "facturx_profile"], look_props.clone()),
                "email_templates": described(template_props(true), "The company's e-mail templates by kind and language, replacing the built-in ones."),
            }),
        ),
    );
    add(
        "Logo",
        object(
            &["content_type", "width", "height", "size"],
            json!({
                "content_type": {"type": "string", "enum": ["image/png", "image/jpeg"]},
                "width": {"type": "integer", "minimum": 1, "description": "Pixels."},
                "height": {"type": "integer", "minimum": 1, "description": "Pixels."},
                "size": {"type": "integer", "minimum": 1, "description": "Bytes."},
            }),
        ),
    );
    add("DeliveryRunInput", input(&["from", "to"], json!({"from": schema_ref("Date"), "to": schema_ref("Date")})));
    add(
        "DeliveryRun",
        object(
            &["created", "delivery_notes"],
            json!({
                "created": {"type": "array", "items": uuid(), "description": "The draft invoices made."},
                "delivery_notes": {"type": "array", "items": uuid(), "description": "The delivery notes they invoice."},
            }),
        ),
    );
    add(
        "SettingsInput",
        described(
            input(
                &[],
                json!({
                    "allow_negative_stock": {"type": ["boolean", "null"]},
                    "identity": nullable(input(&["name", "address"], identity_props)),
                    "banks": {"type": ["array", "null"], "items": input(&["iban"], bank_props)},
                    "legal": nullable(input(&[], legal_props)),
                    "documents": nullable(input(&[], look_props)),
                    "email_templates": described(nullable(template_props(false)), "Replaces every stored template; kinds and languages left out use the built-in template."),
                }),
            ),
            "Absent fields keep their value; each given section replaces the stored one whole.",
        ),
    );
    add(
        "DepositInput",
        described(
            input(
                &[],
                json!({
                    "percent": opt_decimal("Percentage of the order: above 0, at most 100."),
                    "amount": opt_decimal("An amount including VAT."),
                }),
            ),
            "The body of `POST /orders/{id}/deposit-invoice`: at most one of `percent` and `amount`; neither takes the next deposit instalment of the order's payment schedule (422 when it has none).",
        ),
    );
    add(
        "ProgressInput",
        described(
            input(
                &["cumulative_percent"],
                json!({"cumulative_percent": decimal("Completion counted from the start, above the last situation's, at most 100.")}),
            ),
            "The body of `POST /orders/{id}/progress-invoice`.",
        ),
    );
    add(
        "ConvertInput",
        described(
            input(
                &["to"],
                json!({
                    "to": {"type": "string", "enum": ["order", "invoice", "delivery-note", "delivery_note", "proforma"], "description": "The kind of the new draft."},
                    "lines": described(
                        nullable(json!({"type": "array", "maxItems": MAX_LINES, "items": input(&["line_id", "quantity"], json!({
                            "line_id": {"type": "string", "format": "uuid", "description": "A line of the order."},
                            "quantity": decimal("Positive; at most what remains to deliver of the line."),
                        }))})),
                        "Delivery notes from an order only: the lines and quantities to deliver; default everything left to deliver.",
                    ),
                }),
            ),
            "The body of `POST /{kind}/{id}/convert`.",
        ),
    );
    add(
        "PaymentInput",
        described(
            input(
                &["amount"],
                json!({
                    "amount": decimal("Positive, with at most the currency's decimals (2 for EUR)."),
                    "date": described(nullable(schema_ref("Date")), "Default today."),
                    "method": {
                        "type": ["string", "null"],
                        "description": "Default `bank_transfer`. Case-insensitive; the aliases are stored as the method they name.",
                        "enum": payment_methods.iter().chain(payment_method_aliases.iter()).map(|m| json!(m)).chain([Value::Null]).collect::<Vec<_>>(),
                    },
                    "reference": opt_text(140),
                    "excess": {"type": ["string", "null"], "enum": ["credit", null], "description": "What to do with an amount above what is due: `credit` keeps the rest as the customer's credit; absent, such an amount is refused (422 on `amount`)."},
                }),
            ),
            "The body of `POST /invoices/{id}/payments`.",
        ),
    );
    let method_input = json!({
        "type": ["string", "null"],
        "description": "Default `bank_transfer`. Case-insensitive; the aliases are stored as the method they name.",
        "enum": payment_methods.iter().chain(payment_method_aliases.iter()).map(|m| json!(m)).chain([Value::Null]).collect::<Vec<_>>(),
    });
    add(
        "NewPaymentInput",
        described(
            input(
                &["customer_id", "amount", "allocations"],
                json!({
                    "customer_id": uuid(),
                    "amount": decimal("What was received: positive, with at most the currency's decimals."),
                    "currency": described(nullable(json!({"type": "string", "pattern": "^[A-Z]{3}$"})), "Default the first invoice's currency, else the company's."),
                    "date": described(nullable(schema_ref("Date")), "Default today."),
                    "method": method_input.clone(),
                    "reference": opt_text(140),
                    "allocations": {
                        "type": "array",
                        "maxItems": 200,
                        "description": "The invoices of the customer the payment settles, each at most once; an empty list keeps the whole amount as credit (with `excess: \"credit\"`).",
                        "items": input(&["invoice_id", "amount"], json!({
                            "invoice_id": uuid(),
                            "amount": decimal("Positive, at most what the invoice has due."),
                        })),
                    },
                    "excess": {"type": ["string", "null"], "enum": ["credit", null], "description": "`credit`: what the allocations leave over becomes the customer's credit; absent, it is refused (422 on `amount`)."},
                }),
            ),
            "The body of `POST /payments`.",
        ),
    );
    add(
        "CancelPaymentInput",
        described(
            input(
                &["reason"],
                json!({"reason": described(text(500), "Why the payment is cancelled (kept in the history).")}),
            ),
            "The body of `POST /payments/{id}/cancel`.",
        ),
    );
    add(
        "ApplyCreditInput",
        described(
            input(
                &["invoice_id", "amount"],
                json!({
                    "invoice_id": uuid(),
                    "amount": decimal("Positive; at most the credit available and what the invoice has due."),
                    "date": described(nullable(schema_ref("Date")), "Default today."),
                }),
            ),
            "The body of `POST /customers/{id}/credit/apply`.",
        ),
    );
    add(
        "RefundInput",
        described(
            input(
                &["amount"],
                json!({
                    "amount": decimal("Positive; at most the credit available in the currency."),
                    "currency": described(nullable(json!({"type": "string", "pattern": "^[A-Z]{3}$"})), "Default the company's currency."),
                    "date": described(nullable(schema_ref("Date")), "Default today."),
                    "method": method_input,
                    "reference": opt_text(140),
                }),
            ),
            "The body of `POST /customers/{id}/credit/refund`.",
        ),
    );
    add(
        "CreditNoteInput",
        described(
            input(
                &[],
                json!({
                    "lines": described(nullable(json!({"type": "array", "maxItems": MAX_LINES, "items": schema_ref("LineInput")})), "The lines to credit, on the invoice's terms; absent or null (and no `amount`): what is left of the invoice."),
                    "amount": opt_decimal("Instead of `lines`: an amount including VAT, split over the invoice's VAT rates in proportion to what is left of each (422 above what is left)."),
                    "note": described(opt_text(5000), "Default `Avoir sur la facture <number>`."),
                }),
            ),
            "The body of `POST /invoices/{id}/credit-note`; an empty body credits what is left of the invoice (all of it when nothing was credited yet).",
        ),
    );

    // ---- documents: output ----
    add(
        "DocumentView",
        described(
            object(
                &[
                    "id",
                    "kind",
                    "status",
                    "number",
                    "customer_id",
                    "currency",
                    "issue_date",
                    "due_date",
                    "payment_terms",
                    "customer_reference",
                    "note",
                    "title",
                    "valid_until",
                    "delivery_date",
                    "internal_note",
                    "terms",
                    "special_conditions",
                    "progress_percent",
                    "discount_percent",
                    "discount_amount",
                    "shipping",
                    "schedule",
                    "margin",
                    "billing_address",
                    "delivery_address",
                    "exchange_rate",
                    "counter_value",
                    "contact",
                    "salesperson",
                    "payment_mode",
                    "operation",
                    "vat_exemptions",
                    "lines",
                    "totals",
                    "payments",
                    "links",
                    "seal",
                    "created_at",
                    "updated_at",
                    "issued_at",
                ],
                json!({
                    "id": uuid(),
                    "kind": schema_ref("DocumentKind"),
                    "status": schema_ref("DocumentStatus"),
                    "number": {"type": ["string", "null"], "description": "The legal number; null while draft."},
                    "customer_id": uuid(),
                    "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
                    "issue_date": nullable(schema_ref("Date")),
                    "due_date": described(nullable(schema_ref("Date")), "Set when issued."),
                    "payment_terms": schema_ref("PaymentTerms"),
                    "customer_reference": {"type": ["string", "null"]},
                    "note": {"type": ["string", "null"]},
                    "title": {"type": ["string", "null"]},
                    "valid_until": nullable(schema_ref("Date")),
                    "delivery_date": nullable(schema_ref("Date")),
                    "internal_note": {"type": ["string", "null"], "description": "Never printed."},
                    "terms": {"type": ["string", "null"]},
                    "special_conditions": {"type": ["string", "null"]},
                    "progress_percent": described(nullable(schema_ref("Decimal")), "A progress invoice's cumulative percentage of completion."),
                    "discount_percent": schema_ref("Decimal"),
                    "discount_amount": nullable(schema_ref("Decimal")),
                    "billing_address": nullable(schema_ref("Address")),
                    "exchange_rate": nullable(schema_ref("Decimal")),
                    "counter_value": described(nullable(object(&["currency", "net", "vat_total", "gross"], json!({
                        "currency": {"type": "string"}, "net": schema_ref("Decimal"), "vat_total": schema_ref("Decimal"), "gross": schema_ref("Decimal"),
                    }))), "The totals in the company's currency, for a document in a foreign currency."),
                    "contact": {"type": ["string", "null"]},
                    "salesperson": {"type": ["string", "null"]},
                    "payment_mode": {"type": ["string", "null"]},
                    "operation": {"type": "string", "enum": ["goods", "services", "mixed"]},
                    "delivery_address": described(nullable(schema_ref("Address")), "Where the goods go: the billing address unless another was given."),
                    "shipping": nullable(object(&["label", "amount", "vat_rate", "vat_category"], json!({
                        "label": {"type": "string"}, "amount": schema_ref("Decimal"), "vat_rate": schema_ref("Decimal"), "vat_category": schema_ref("VatCategory"),
                    }))),
                    "vat_exemptions": {"type": "array", "items": schema_ref("ExemptionInput"), "description": "The document's own VAT exemption mentions; the totals' VAT breakdown shows the one in effect."},
                    "schedule": nullable(json!({"type": "array", "items": object(&["percent", "kind", "condition", "mode", "title", "amount", "due_date"], json!({
                        "percent": schema_ref("Decimal"), "kind": {"type": "string", "enum": ["deposit", "payment"]}, "condition": {"type": "string"},
                        "mode": {"type": ["string", "null"]}, "title": {"type": "string"}, "amount": schema_ref("Decimal"), "due_date": schema_ref("Date"),
                    }))})),
                    "margin": nullable(object(&["cost", "amount", "rate"], json!({
                        "cost": schema_ref("Decimal"), "amount": schema_ref("Decimal"), "rate": nullable(schema_ref("Decimal")),
                    }))),
                    "lines": {"type": "array", "items": schema_ref("LineView")},
                    "totals": schema_ref("TotalsView"),
                    "payments": {"type": "array", "items": schema_ref("PaymentView")},
                    "links": {"type": "array", "items": schema_ref("LinkView"), "description": "The document's parents and children: the quote an order came from, an order's delivery notes and invoices, an invoice's credit notes…"},
                    "seal": {"type": ["string", "null"], "description": "SHA-256 seal in the company's hash chain; null while draft."},
                    "created_at": instant(),
                    "updated_at": instant(),
                    "issued_at": nullable(instant()),
                    "family": {
                        "type": "array",
                        "description": "Every document of its family through its links both ways (the quote, the order, its delivery notes, invoices, deposits, credit notes…). Only in the answer about one document.",
                        "items": object(&["kind", "id", "number", "status"], json!({
                            "kind": schema_ref("DocumentKind"), "id": uuid(), "number": {"type": ["string", "null"]}, "status": schema_ref("DocumentStatus"),
                        })),
                    },
                    "history": {
                        "type": "array",
                        "description": "What happened to the document, oldest first. Only in the answer about one document, and only when something is recorded.",
                        "items": schema_ref("EventView"),
                    },
                }),
            ),
            "A document of any kind: quote, order, delivery note, pro-forma, invoice, deposit invoice or credit note.",
        ),
    );
    add(
        "LineView",
        object(
            &[
                "id",
                "product_id",
                "description",
                "quantity",
                "unit",
                "unit_price",
                "vat_rate",
                "vat_category",
                "discount_percent",
                "net",
                "kind",
                "purchase_price",
                "margin",
                "margin_rate",
                "source_line_id",
            ],
            json!({
                "id": uuid(),
                "product_id": {"type": ["string", "null"], "format": "uuid"},
                "description": {"type": "string"},
                "quantity": schema_ref("Decimal"),
                "unit": schema_ref("UnitCode"),
                "unit_price": schema_ref("Decimal"),
                "vat_rate": schema_ref("Decimal"),
                "vat_category": schema_ref("VatCategory"),
                "discount_percent": schema_ref("Decimal"),
                "net": decimal("The line net amount (BT-131)."),
                "source_line_id": {"type": ["string", "null"], "format": "uuid", "description": "The line of the parent document this line came from."},
                "kind": {"type": "string", "enum": ["item", "comment", "subtotal", "deduction"]},
                "other_taxes": {"type": "array", "items": schema_ref("OtherTaxInput")},
                "charge": described(schema_ref("Decimal"), "Taxes other than VAT on the line, included in `net`."),
                "purchase_price": nullable(schema_ref("Decimal")),
                "nature": described(nullable(schema_ref("Nature")), "What an item line supplies; null on text lines."),
                "margin": nullable(schema_ref("Decimal")),
                "margin_rate": nullable(schema_ref("Decimal")),
                "available_stock": described(schema_ref("Decimal"), "The product's stock now; only in the answer about one document, for tracked products."),
            }),
        ),
    );
    add(
        "TotalsView",
        described(
            object(
                &["lines_net", "discount", "charges", "net", "vat", "vat_total", "gross", "paid", "credited", "due"],
                json!({
                    "lines_net": decimal("Sum of line nets, before the document discount."),
                    "discount": decimal("The document discount."),
                    "charges": decimal("Document charges such as shipping (BT-108)."),
                    "net": decimal("Total without VAT."),
                    "vat": {"type": "array", "items": schema_ref("VatView"), "description": "One breakdown per VAT category and rate."},
                    "vat_total": decimal("Total VAT."),
                    "gross": decimal("Total with VAT."),
                    "paid": decimal("Payments applied."),
                    "credited": decimal("Issued credit notes applied."),
                    "due": decimal("What remains to pay (0 for an issued credit note)."),
                }),
            ),
            "Totals computed with the EN 16931 model.",
        ),
    );
    add(
        "VatView",
        object(
            &["category", "rate", "base", "amount"],
            json!({
                "category": schema_ref("VatCategory"),
                "rate": schema_ref("Decimal"),
                "base": schema_ref("Decimal"),
                "amount": schema_ref("Decimal"),
                "exemption_reason": {"type": "string", "description": "The legal mention (BT-120); absent for S and Z."},
                "exemption_reason_code": {"type": "string", "description": "The VATEX code (BT-121); absent for S and Z."},
            }),
        ),
    );
    let stored_methods: Vec<&str> = payment_methods.iter().copied().chain(["credit"]).collect();
    add(
        "PaymentView",
        object(
            &["id", "amount", "applied", "date", "method", "reference", "status"],
            json!({
                "id": described(uuid(), "The payment's id (`GET /payments/{id}`, `POST /payments/{id}/cancel`)."),
                "amount": decimal("What the payment received in all (over every invoice it settled)."),
                "applied": decimal("The part of the amount applied to this invoice; the rest went to other invoices or to the customer's credit."),
                "date": schema_ref("Date"),
                "method": {"type": "string", "enum": stored_methods, "description": "`credit`: customer credit applied."},
                "reference": {"type": ["string", "null"]},
                "status": {"type": "string", "enum": ["recorded", "cancelled"], "description": "A cancelled payment is kept and no longer counts."},
            }),
        ),
    );
    add(
        "Payment",
        object(
            &[
                "id",
                "customer_id",
                "kind",
                "currency",
                "amount",
                "date",
                "method",
                "reference",
                "status",
                "allocations",
                "to_credit",
                "cancelled_at",
                "cancel_reason",
                "created_at",
            ],
            json!({
                "id": uuid(),
                "customer_id": uuid(),
                "kind": {"type": "string", "enum": ["receipt", "credit", "refund"], "description": "`receipt`: money received; `credit`: customer credit applied to an invoice; `refund`: credit paid back (outgoing)."},
                "currency": {"type": "string"},
                "amount": schema_ref("Decimal"),
                "date": schema_ref("Date"),
                "method": {"type": "string", "enum": stored_methods},
                "reference": {"type": ["string", "null"]},
                "status": {"type": "string", "enum": ["recorded", "cancelled"]},
                "allocations": {"type": "array", "items": object(&["invoice_id", "kind", "number", "amount"], json!({
                    "invoice_id": uuid(),
                    "kind": schema_ref("DocumentKind"),
                    "number": {"type": ["string", "null"]},
                    "amount": schema_ref("Decimal"),
                }))},
                "to_credit": decimal("What the payment left as the customer's credit."),
                "cancelled_at": nullable(instant()),
                "cancel_reason": {"type": ["string", "null"]},
                "created_at": instant(),
            }),
        ),
    );
    add("PaymentPage", page("Payment", "A page of payments, newest first."));
    add(
        "CustomerCredit",
        object(
            &["customer_id", "credit"],
            json!({"customer_id": uuid(), "credit": {"type": "array", "items": schema_ref("CreditView")}}),
        ),
    );
    add(
        "Statement",
        object(
            &["customer_id", "from", "to", "currencies"],
            json!({
                "customer_id": uuid(),
                "from": nullable(schema_ref("Date")),
                "to": nullable(schema_ref("Date")),
                "currencies": {"type": "array", "items": object(
                    &["currency", "opening_balance", "entries", "closing_balance"],
                    json!({
                        "currency": {"type": "string"},
                        "opening_balance": decimal("What the customer owed before `from` (negative: its credit)."),
                        "closing_balance": decimal("What the customer owes at the end (negative: its credit)."),
                        "entries": {"type": "array", "items": object(
                            &["date", "kind", "id", "number", "reference", "amount", "debit", "credit", "balance"],
                            json!({
                                "date": schema_ref("Date"),
                                "kind": {"type": "string", "enum": ["invoice", "deposit_invoice", "credit_note", "payment", "payment_cancelled", "credit_applied", "credit_applied_cancelled", "refund", "refund_cancelled"]},
                                "id": described(uuid(), "The document's or the payment's id."),
                                "number": {"type": ["string", "null"], "description": "The document's number, or the numbers of the invoices a payment settled."},
                                "reference": {"type": ["string", "null"]},
                                "amount": schema_ref("Decimal"),
                                "debit": schema_ref("Decimal"),
                                "credit": schema_ref("Decimal"),
                                "balance": decimal("The balance after this line."),
                            }),
                        )},
                    }),
                )},
            }),
        ),
    );
    add(
        "LinkView",
        object(
            &["kind", "id", "number", "relation"],
            json!({
                "kind": schema_ref("DocumentKind"),
                "id": uuid(),
                "number": {"type": ["string", "null"]},
                "relation": {"type": "string", "enum": ["parent", "child"]},
            }),
        ),
    );
    add(
        "EventView",
        object(
            &["at", "event", "detail"],
            json!({
                "at": instant(),
                "event": {"type": "string", "description": "`created`, `updated`, `issued`, `payment_recorded`, `email_queued`, `sent` (an e-mail was accepted by the SMTP server: `to`, `message_id`), `send_failed`…", "examples": ["issued"]},
                "detail": {"description": "Facts of the event (e.g. the number assigned)."},
            }),
        ),
    );
    add("DocumentPage", page("DocumentView", "A page of documents."));

    // ---- e-mail ----
    add("EmailList", json!({"type": "array", "items": schema_ref("EmailView")}));

    // ---- settings ----
    add("NumberingList", json!({"type": "array", "items": schema_ref("NumberingView")}));

    Value::Object(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_route_has_details() {
        for (method, path, _) in ROUTES.iter() {
            assert!(
                operation(method, path).is_some(),
                "{} {path} is in ROUTES but has no entry in openapi::OPERATIONS",
                method.to_uppercase()
            );
        }
        for o in OPERATIONS.iter() {
            assert!(
                ROUTES.iter().any(|(m, p, _)| *m == o.method && *p == o.path),
                "openapi::OPERATIONS describes {} {}, which is not in ROUTES",
                o.method.to_uppercase(),
                o.path
            );
        }
        let ids: BTreeSet<_> = OPERATIONS.iter().map(|o| o.operation_id).collect();
        assert_eq!(ids.len(), OPERATIONS.len(), "operationIds are unique");
    }

    fn refs(v: &Value, out: &mut BTreeSet<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("$ref") {
                    out.insert(r.clone());
                }
                m.values().for_each(|x| refs(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
            _ => {}
        }
    }

    #[test]
    fn every_component_is_used_and_every_ref_resolves() {
        let doc = document();
        let mut used = BTreeSet::new();
        refs(&doc, &mut used);
        for r in &used {
            let pointer = r.strip_prefix('#').expect("local reference");
            assert!(doc.pointer(pointer).is_some(), "{r} is not defined");
        }
        for kind in ["schemas", "parameters", "responses", "headers"] {
            for name in doc["components"][kind].as_object().unwrap().keys() {
                let r = format!("#/components/{kind}/{name}");
                assert!(used.contains(&r), "{r} is defined but never used");
            }
        }
    }

    #[test]
    fn patches_require_nothing_and_rename_nested_objects() {
        let doc = document();
        let p = &doc["components"]["schemas"]["CustomerPatch"];
        assert!(p.get("required").is_none());
        assert_eq!(p["additionalProperties"], json!(false));
        assert_eq!(
            p["properties"]["billing_address"],
            json!({"anyOf": [{"$ref": "#/components/schemas/AddressPatch"}, {"type": "null"}]})
        );
        // Arrays are replaced whole: their items keep the full input schema.
        assert_eq!(p["properties"]["contacts"]["items"], json!({"$ref": "#/components/schemas/ContactInput"}));
        assert_eq!(p["properties"]["name"]["type"], json!(["string", "null"]));
        assert_eq!(p["properties"]["id"]["readOnly"], json!(true));
    }

    #[test]
    fn statuses_follow_the_rules() {
        for o in OPERATIONS.iter() {
            let e = error_statuses(o);
            assert_eq!(e.contains(&401), !o.public, "{} {}", o.method, o.path);
            if o.path.contains("{id}") {
                assert!(e.contains(&404), "{} {} answers 404", o.method, o.path);
            }
            if o.method != "get" {
                assert!(e.contains(&403), "{} {} is a change", o.method, o.path);
            }
            if o.method == "post" {
                assert!(e.contains(&409) && e.contains(&422));
            }
        }
    }
}
