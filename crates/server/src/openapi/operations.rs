//! The operation table: what each route of [`crate::api::ROUTES`] takes and answers, and its
//! OpenAPI operation object.

use super::{param_ref, response_ref, schema_ref};
use crate::api::{DOCUMENT_ROUTES, DocOp, ISSUE_CHECK_ROUTES, noun};
use facturier_core::document::{DocumentKind, Status};
use facturier_core::lifecycle::{self, Action};
use facturier_core::listing::ListStatus;
use serde_json::{Map, Value, json};
use std::sync::LazyLock;

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

/// What one operation of [`crate::api::ROUTES`] takes and answers.
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
const PRODUCT_LIST: &[&str] = &["Limit", "After", "ProductSearch", "Archived"];
const DOCUMENT_LIST: &[&str] =
    &["Limit", "After", "DocumentSearch", "Status", "CustomerId", "From", "To", "DueFrom", "DueTo"];

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
        query: &["Limit", "After", "PaymentSearch", "CustomerId", "From", "To"],
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
    // SEPA direct debit (issue 23)
    Operation {
        description: "Newest first. A mandate's `next_sequence` is the sequence type its next collection takes.",
        success: Success::Json(200, "MandateList", "The customer's mandates"),
        errors: &[404],
        ..op("get", "/customers/{id}/mandates", "listMandates", "collections")
    },
    Operation {
        description: "Not for read-only roles. The IBAN and BIC are checked, the reference (RUM) is 1 to 35 SEPA characters and unique in the company (422 on `reference`), the signature date not in the future. The first collection under a recurrent mandate is `FRST`, the following ones `RCUR`.",
        body: Body::Json("MandateInput"),
        success: Success::Json(201, "MandateView", "The new mandate"),
        errors: &[403, 404],
        ..op("post", "/customers/{id}/mandates", "createMandate", "collections")
    },
    Operation {
        description: "Not for read-only roles. A revoked mandate is kept; no batch takes it any more. Revoking twice is 409.",
        success: Success::Json(200, "MandateView", "The revoked mandate"),
        errors: &[403, 404, 409],
        ..op("post", "/customers/{id}/mandates/{mandate_id}/revoke", "revokeMandate", "collections")
    },
    Operation {
        description: "Without their debits.",
        query: &["Limit"],
        success: Success::Json(200, "DirectDebitList", "The batches"),
        errors: &[422],
        ..op("get", "/sepa/direct-debits", "listDirectDebits", "collections")
    },
    Operation {
        description: "Not for read-only roles. Each invoice must be issued with something due, in euros, its customer holding an active mandate, and in no other batch awaiting collection; otherwise 422 on `invoice_ids[i]` naming it. Each debit collects what is due; its sequence type comes from its mandate's history. 409 until the company has a creditor identifier (`PATCH /settings {\"sepa\": {\"creditor_id\"}}`) and a bank account.",
        body: Body::Json("DirectDebitInput"),
        success: Success::Json(201, "DirectDebitView", "The new batch"),
        errors: &[403, 409],
        ..op("post", "/sepa/direct-debits", "createDirectDebit", "collections")
    },
    Operation {
        success: Success::Json(200, "DirectDebitView", "The batch"),
        errors: &[404],
        ..op("get", "/sepa/direct-debits/{id}", "getDirectDebit", "collections")
    },
    Operation {
        description: "pain.008.001.02 (EPC SDD Core), or pain.008.001.08 with `version=08`: one payment information block per collection date and sequence type, with their control sums.",
        query: &["PainVersion"],
        success: Success::File("application/xml", "The pain.008 file"),
        errors: &[404, 422],
        ..op("get", "/sepa/direct-debits/{id}/xml", "getDirectDebitXml", "collections")
    },
    // Accounting hand-off (issue 24).
    Operation {
        description: "The FEC (fichier des écritures comptables, article A47 A-1 of the LPF) of the issued invoices, deposit invoices, credit notes, receipts, refunds and their cancellations (SEPA rejects) dated from `from` to `to` (default: the current calendar year): the 18 columns in order, CR/LF, tab-separated (`separator=pipe` for `|`), ISO 8859-15 (`encoding=utf-8` on request; characters outside ISO 8859-15 are transliterated), amounts with a decimal comma, dates `AAAAMMJJ`, `EcritureNum` continuous per journal, invoices settled within the period lettered with their payments. Named `SIRENFECAAAAMMJJ.txt` (the last day of the period). Streamed: any period takes constant memory.",
        query: &["From", "To", "FecSeparator", "FecEncoding"],
        success: Success::File("text/plain", "The FEC"),
        errors: &[422],
        ..op("get", "/exports/fec", "getFec", "accounting")
    },
    Operation {
        description: "The issued invoices, deposit invoices and credit notes (amounts negative) dated from `from` to `to` (default: the current calendar year), one per row: number, kind, dates, customer, currency, net, VAT, gross, paid, due, status. `lang=fr` (default: `;` and decimal commas) or `en`; UTF-8 with a byte-order mark.",
        query: &["From", "To", "ExportLang"],
        success: Success::File("text/csv", "The invoice list"),
        errors: &[422],
        ..op("get", "/exports/invoices.csv", "getInvoiceListCsv", "accounting")
    },
    Operation {
        description: "The invoice list of `GET /exports/invoices.csv` as an XLSX workbook, amounts as numbers.",
        query: &["From", "To"],
        success: Success::File("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "The invoice list"),
        errors: &[422],
        ..op("get", "/exports/invoices.xlsx", "getInvoiceListXlsx", "accounting")
    },
    Operation {
        description: "The receipts and refunds paid from `from` to `to` (default: the current calendar year), one per row: paid_on, kind, method, reference, customer, currency, amount, invoices paid, cancelled_on (a cancelled payment, a SEPA reject). `lang=fr` (default: `;` and decimal commas) or `en`; UTF-8 with a byte-order mark.",
        query: &["From", "To", "ExportLang"],
        success: Success::File("text/csv", "The payments"),
        errors: &[422],
        ..op("get", "/exports/payments.csv", "getPaymentListCsv", "accounting")
    },
    Operation {
        description: "The payments of `GET /exports/payments.csv` as an XLSX workbook, amounts as numbers and days as dates.",
        query: &["From", "To"],
        success: Success::File("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "The payments"),
        errors: &[422],
        ..op("get", "/exports/payments.xlsx", "getPaymentListXlsx", "accounting")
    },
    Operation {
        description: "The entries of the FEC of the period (default: the current calendar year) in Ciel / Sage 50's XIMPORT layout: fixed width (142 characters), CR/LF, unaccented ASCII. See docs/accounting.md.",
        query: &["From", "To"],
        success: Success::File("text/plain", "XIMPORT.TXT"),
        errors: &[422],
        ..op("get", "/exports/ximport", "getXimport", "accounting")
    },
    Operation {
        description: "The entries of the FEC of the period in QuadraCOMPTA's ASCII import layout: one `M` line (231 characters) per entry line, amounts in cents, CR/LF.",
        query: &["From", "To"],
        success: Success::File("text/plain", "The Quadratus file"),
        errors: &[422],
        ..op("get", "/exports/quadratus", "getQuadratus", "accounting")
    },
    Operation {
        description: "The entries of the FEC of the period in EBP's comma-separated import layout, CR/LF.",
        query: &["From", "To"],
        success: Success::File("text/plain", "The EBP file"),
        errors: &[422],
        ..op("get", "/exports/ebp", "getEbp", "accounting")
    },
    Operation {
        description: "Newest first, without their files.",
        query: &["Limit", "After"],
        success: Success::Json(200, "ExportPage", "The export runs"),
        errors: &[422],
        ..op("get", "/exports", "listExports", "accounting")
    },
    Operation {
        description: "Not for read-only roles. The line selector: the entries of the issued invoices, deposit invoices, credit notes, receipts, refunds and cancellations dated from `from` to `to`, in the `journals` asked for (all by default), that no export run exported yet, in `format`. Each is numbered for good, continuing its journal's numbers from the last run (`EcritureNum`: the export is the validation), and marked with this run; the file is stored and `GET /exports/{id}/file` gives it again, identical. With `reexport: true`, the entries of the period exported before are written again under the numbers they got then (with any new ones), the run is flagged `reexport` and its file is named `…-reexport-N.ext`. Nothing to export is 422 on `from` (`export_nothing_new` when everything of the period was exported already, `export_empty` when there is nothing at all): no empty run is recorded. Two runs at once never export the same entry first. `GET /exports/fec` and the other GET files are previews that mark nothing.",
        body: Body::Json("ExportInput"),
        success: Success::Json(201, "ExportView", "The new export run"),
        errors: &[403, 409],
        ..op("post", "/exports", "createExport", "accounting")
    },
    Operation {
        success: Success::Json(200, "ExportView", "The export run"),
        errors: &[404],
        ..op("get", "/exports/{id}", "getExport", "accounting")
    },
    Operation {
        description: "The stored bytes, the same at each download, with the run's file name and media type (FEC: `text/plain; charset=iso-8859-15`; XIMPORT, Quadratus, EBP: `text/plain; charset=us-ascii`; CSV; XLSX).",
        success: Success::Files(
            &["text/plain", "text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"],
            "The export run's file",
        ),
        errors: &[404],
        ..op("get", "/exports/{id}/file", "getExportFile", "accounting")
    },
    Operation {
        description: "Latest first, with the last day closed and the current fiscal year (from `accounting.fiscal_year_start_month` of the settings).",
        success: Success::Json(200, "ClosingList", "The closings"),
        ..op("get", "/accounting/closings", "listClosings", "accounting")
    },
    Operation {
        description: "Admins only. Closes the books through `through`, a day that is over and after the last closing (422 on `through` otherwise). From then on, issuing an invoice, deposit invoice or credit note dated on or before it (422 on `issue_date`) and recording a payment or refund dated on or before it (422 on `date`) are refused with `accounting_period_closed`. Closings only move forward.",
        body: Body::Json("ClosingInput"),
        success: Success::Json(201, "ClosingView", "The closing"),
        errors: &[403],
        ..op("post", "/accounting/closings", "closeBooks", "accounting")
    },
    Operation {
        description: "Not for read-only roles. Records a `direct_debit` payment of each debit's amount on its invoice, all in one transaction (422 naming the debit whose invoice no longer owes it). Twice is 409.",
        body: Body::Json("CollectedInput"),
        success: Success::Json(200, "DirectDebitView", "The collected batch"),
        errors: &[403, 404, 409],
        ..op("post", "/sepa/direct-debits/{id}/collected", "collectDirectDebit", "collections")
    },
    Operation {
        description: "Not for read-only roles. The debit's payment is cancelled with the reason (the invoice is open again and its history says why) and the bank's fee is kept with the debit. 409 before the batch is collected or for a debit already rejected; 422 for an invoice not in the batch.",
        body: Body::Json("RejectInput"),
        success: Success::Json(200, "DirectDebitView", "The batch"),
        errors: &[403, 404, 409],
        ..op("post", "/sepa/direct-debits/{id}/rejects", "rejectDirectDebit", "collections")
    },
    Operation {
        description: "Not for read-only roles. A new `iban` (with its `bic`) and/or a new `reference`, per the EPC rulebook: the next debit reports the amendment (`AmdmntInd` true, `OrgnlMndtId` for a new reference, `OrgnlDbtrAcct` for a new account at the same bank, `OrgnlDbtrAgt` \"SMNDA\" for an account at another bank, which is collected as a `FRST` again). A mandate never presented is simply corrected. 422 when nothing changes or the reference is taken; 409 when revoked.",
        body: Body::Json("MandateAmendInput"),
        success: Success::Json(200, "MandateView", "The amended mandate"),
        errors: &[403, 404, 409],
        ..op("post", "/customers/{id}/mandates/{mandate_id}/amend", "amendMandate", "collections")
    },
    Operation {
        description: "Not for read-only roles. The body is a bank's pain.002 payment status report (rejected transactions, `TxSts` RJCT) or camt.054 debit notification (returns with `RtrInf/Rsn/Cd` and the charges): each reject is matched to a debit by its end-to-end id (the invoice number) within the original message, or by mandate reference and amount, and applied as a reject entered by hand (a collected debit's payment cancelled, the invoice open again with the reason, the fee kept). Importing the same file again changes nothing (`already`); references matching no debit are listed as `unknown`. 422 (`file`) for a file that is neither.",
        body: Body::File(&["application/xml"]),
        success: Success::Json(200, "RejectImportView", "What the file did"),
        errors: &[403],
        ..op("post", "/sepa/rejects", "importSepaRejects", "collections")
    },
    // products
    Operation {
        description: "`q` searches the reference and the name. Archived products are left out unless `archived=true`.",
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
        description: "The patch is merged (RFC 7386) over the product as `ProductInput`; the result must be a valid `ProductInput`. `{\"archived\": true}` archives the product (kept on past documents, left out of the list and the editor's search), `false` brings it back.",
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
        description: "What each customer owed at the end of `as_of` (today by default), by days past the due date: `not_due`, `1_30`, `31_60`, `61_90`, `over_90`, with `total` and `overdue`, per customer and currency (the most overdue first) and per currency in all. A past day counts what was owed then: payments and credit notes dated after it are not deducted. `days_sales_outstanding`: what was owed, in the company's currency, as days of the gross sales of the `dso_days` days up to `as_of`.",
        query: &["AsOf"],
        success: Success::Json(200, "AgedBalance", "The aged balance"),
        errors: &[422],
        ..op("get", "/reports/aged-balance", "getAgedBalance", "reports")
    },
    // contracts
    Operation {
        description: "By reference. `limit` and `after` (the last reference of the previous page) page through them.",
        query: &["Limit", "After"],
        success: Success::Json(200, "ContractPage", "A page of contracts"),
        errors: &[422],
        ..op("get", "/contracts", "listContracts", "contracts")
    },
    Operation {
        description: "Not for read-only roles. The lines are checked as a draft invoice's of the customer (422 naming `lines[i].…`), each priced for a whole billing period (`P0`); a catalogue product's price when left out. `billing.period_months` 1, 2, 3, 6 or 12; `mode` `advance` (billed on the period's first day) or `arrears` (on its last); periods on calendar boundaries (default) or on anniversaries; a period cut by the start or the end is billed `round(P0 × days / period days)`. `revision`: `P = P0 × (fixed_part + (1 − fixed_part) × I / I0)` with `index` and `base_value`, or several `indices` with weights (Σ = 1 with `fixed_part`) or amounts (`fixed_amount + Σ amount × I / I0`, the price being their sum); `I` the latest value published for a month before the revision's month. The answer's `schedule` lists the coming billings.",
        body: Body::Json("ContractInput"),
        success: Success::Json(201, "ContractView", "The new contract"),
        errors: &[403, 422],
        ..op("post", "/contracts", "createContract", "contracts")
    },
    Operation {
        description: "The active or suspended contracts renewed tacitly, with no notice given, whose next notice deadline (on or after `as_of`, today by default; `end − notice_days`) is at most `notice_alert_days` days away, by deadline. A consumer's (`consumer`) is also e-mailed by the daily run (job `billing.run`) from three months to one month before the deadline, once per term (art. L215-1 C. consom.; `reminded`).",
        query: &["AsOf"],
        success: Success::Json(200, "NoticeList", "The contracts whose notice deadline is near"),
        errors: &[422],
        ..op("get", "/contracts/notices", "listContractNotices", "contracts")
    },
    Operation {
        success: Success::Json(200, "ContractView", "The contract"),
        errors: &[404],
        ..op("get", "/contracts/{id}", "getContract", "contracts")
    },
    Operation {
        description: "Not for read-only roles. Nothing is billed after `date`. What a period billed past it billed for the days after it (`round(P × days kept / period days)` kept, the rest given back) is credited by a credit note of that period's invoice, issued at once and listed in the answer's `credit_notes`. 409 when terminated already, or when such an invoice is still a draft (nothing recorded).",
        body: Body::Json("TerminateInput"),
        success: Success::Json(200, "ContractView", "The terminated contract"),
        errors: &[403, 404, 409, 422],
        ..op("post", "/contracts/{id}/terminate", "terminateContract", "contracts")
    },
    Operation {
        description: "Not for read-only roles. The days from `from` to `to` (none: until `resume`) are not billed: a period they cut bills `round(P × days left / period days)`, a period they cover bills nothing; a period billed already stays as billed. The status is `suspended` while a suspension covers today. 409 when the contract is not active or suspended, or a suspension is left open.",
        body: Body::Json("SuspendInput"),
        success: Success::Json(200, "ContractView", "The contract"),
        errors: &[403, 404, 409, 422],
        ..op("post", "/contracts/{id}/suspend", "suspendContract", "contracts")
    },
    Operation {
        description: "Not for read-only roles. The suspension covering `date` (today by default), or the one left open, ends the day before; billed again from `date`. 409 when the contract is not suspended.",
        body: Body::Json("ResumeInput"),
        success: Success::Json(200, "ContractView", "The contract"),
        errors: &[403, 404, 409, 422],
        ..op("post", "/contracts/{id}/resume", "resumeContract", "contracts")
    },
    Operation {
        description: "404 for an index with no value published.",
        success: Success::Json(200, "IndexValueList", "The index's values, by period"),
        errors: &[404],
        ..op("get", "/indices/{code}/values", "listIndexValues", "contracts")
    },
    Operation {
        description: "Not for read-only roles. `period` is `YYYY-MM`; the code is upper-cased (`SYNTEC`), and a code that cannot be one (other than letters, digits, `-` and `_`, at most 30) is 404. 201 for a new period, 200 for a correction, which changes what is billed from then on, never what was billed.",
        body: Body::Json("IndexValueInput"),
        success: Success::Json(201, "IndexValueView", "The value published"),
        errors: &[403, 404, 422],
        ..op("post", "/indices/{code}/values", "publishIndexValue", "contracts")
    },
    Operation {
        description: "Not for read-only roles. The body is a CSV file of `period;value` lines (`2014-03;241,0`; a comma or a tab separates them as well, a first line of words is a header, a decimal comma is read when `;` separates). Every line is checked first: any line refused (a period not `YYYY-MM`, a value not above zero, a period twice, a line of another shape) is listed in `rejected` with its line number and nothing is written; else every value is published in one transaction, `created` counting new periods and `updated` corrections (which change what is billed from then on, never what was billed). The code is upper-cased; a code that cannot be one is 404.",
        body: Body::File(&["text/csv"]),
        success: Success::Json(200, "IndexImportResult", "What the import did"),
        errors: &[403, 404, 415],
        ..op("post", "/indices/{code}/values/import", "importIndexValues", "contracts")
    },
    Operation {
        description: "Not for read-only roles. Every period of the active contracts due on or before `date` (today by default, never later) and not billed yet gets its invoice, one per contract and period (one per billing day for a customer whose `contract_billing` is `grouped`), dated on its billing day; the recurring invoices due by then too (`recurring`); a contract whose index has no value for a month before its revision is listed in `blocked` and not billed, the others are. Every invoice issued (`issued`: contracts with `billing.issue`, recurring templates with `issue`) is e-mailed to its customer as `POST /invoices/{id}/send` with an empty body would; those whose customer has no e-mail address stay issued and are listed in `not_emailed`. Running it again bills nothing twice, so sends nothing.",
        body: Body::Json("BillingRunInput"),
        success: Success::Json(200, "BillingRunView", "What the run billed"),
        errors: &[403, 422],
        ..op("post", "/billing/run", "runBilling", "contracts")
    },
    // interventions (issue 25)
    Operation {
        description: "By day, oldest first, at most 500: a contract's (`contract_id`), a customer's (`customer_id`), those not billed yet (`unbilled=true`).",
        query: &["InterventionContract", "InterventionCustomer", "Unbilled"],
        success: Success::Json(200, "InterventionList", "Interventions"),
        errors: &[422],
        ..op("get", "/interventions", "listInterventions", "contracts")
    },
    Operation {
        description: "Not for read-only roles. Under a contract (its customer) or for a customer. `kind` `time`: `hours` × `rate` (`hourly_cost` for the summary); `part`: a catalogue `product_id` and `quantity`, at its price unless `unit_price`, its VAT rate unless `vat_rate`, taken out of stock now (409 below zero unless the company allows it); `purchase`: `cost`, re-billed at `round(cost × coefficient)` or at `price`. A field of another kind is refused (422), not ignored. Amounts are in the company's currency.",
        body: Body::Json("InterventionInput"),
        success: Success::Json(201, "InterventionView", "The intervention recorded"),
        errors: &[403, 409, 422],
        ..op("post", "/interventions", "createIntervention", "contracts")
    },
    Operation {
        success: Success::Json(200, "InterventionView", "The intervention"),
        errors: &[404],
        ..op("get", "/interventions/{id}", "getIntervention", "contracts")
    },
    Operation {
        description: "Not for read-only roles. A part goes back in stock. 409 once billed: credit its invoice instead.",
        success: Success::NoContent("Deleted"),
        errors: &[403, 404, 409],
        ..op("delete", "/interventions/{id}", "deleteIntervention", "contracts")
    },
    Operation {
        description: "Not for read-only roles. A contract's (`contract_id`) or a customer's (`customer_id`) interventions done on or before `through` (today by default) and not billed yet, at most 500, become one draft invoice in the company's currency, a line each naming its day. Each is billed once: two bills at once make one invoice (the other 409). `invoice_id` null: nothing to bill.",
        body: Body::Json("BillInterventionsInput"),
        success: Success::Json(200, "InterventionBillView", "What was billed"),
        errors: &[403, 404, 409, 422],
        ..op("post", "/interventions/bill", "billInterventions", "contracts")
    },
    Operation {
        description: "Not for read-only roles. The hours each billing period should take and what an hour costs the company, for the summary.",
        body: Body::Json("PlanInput"),
        success: Success::NoContent("Saved"),
        errors: &[403, 404, 422],
        ..op("put", "/contracts/{id}/plan", "setContractPlan", "contracts")
    },
    Operation {
        description: "Up to `as_of` (today by default), before VAT: the periods due and their planned amounts against what was billed (periods and interventions); the theoretical workload (hours per period × periods) against the hours spent; the theoretical margin (planned less planned hours at cost) against the actual one (billed less hours, parts and purchases at cost).",
        query: &["AsOf"],
        success: Success::Json(200, "ContractSummaryView", "The summary"),
        errors: &[404, 422],
        ..op("get", "/contracts/{id}/summary", "getContractSummary", "contracts")
    },
    Operation {
        description: "Oldest first. `limit` and `after` (the last id of the previous page) page through them.",
        query: &["Limit", "After"],
        success: Success::Json(200, "RecurringPage", "A page of recurring invoice templates"),
        errors: &[422],
        ..op("get", "/recurring-invoices", "listRecurringInvoices", "contracts")
    },
    Operation {
        description: "Not for read-only roles. An invoice of `lines` for the customer (checked as a draft invoice's) on `next_date`, then every `frequency_months` months after it (1 to 36; a 31st kept as the month's last day), until `end_date` or `count` invoices (not both). Billed by `POST /billing/run` (its answer's `recurring`), `facturier run-due` and the daily job, each date once; drafts unless `issue`.",
        body: Body::Json("RecurringInput"),
        success: Success::Json(201, "RecurringView", "The new template"),
        errors: &[403, 422],
        ..op("post", "/recurring-invoices", "createRecurringInvoice", "contracts")
    },
    Operation {
        success: Success::Json(200, "RecurringView", "The template"),
        errors: &[404],
        ..op("get", "/recurring-invoices/{id}", "getRecurringInvoice", "contracts")
    },
    Operation {
        description: "Not for read-only roles. Nothing more is billed; the invoices made stay. 409 when stopped or finished already.",
        success: Success::Json(200, "RecurringView", "The stopped template"),
        errors: &[403, 404, 409],
        ..op("post", "/recurring-invoices/{id}/stop", "stopRecurringInvoice", "contracts")
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
    // ---- online payment (issue 23) ----
    Operation {
        description: "Not for read-only roles. A Stripe Checkout session (mode `payment`) for what the issued invoice has due, in minor units of its currency, through Stripe's API at the company's `stripe.api_base`; `url` is Stripe's payment page, `public_url` the invoice's stable link (`/pay/{token}`), which starts a session for what is due whenever it is visited. 409 when the invoice is not issued or nothing is due, or when Stripe refuses the session (its reason in `detail`); 422 (`stripe`) when the company has no Stripe account in its settings; 502 when Stripe cannot be reached or answers what cannot be read. The payment itself is recorded by the webhook.",
        success: Success::Json(200, "PaymentLink", "The Checkout session"),
        errors: &[403, 404, 409, 422, 502],
        ..op("post", "/invoices/{id}/payment-link", "createPaymentLink", "collections")
    },
    Operation {
        description: "Needs no token: Stripe calls it with the event as the body, signed in `Stripe-Signature` (`t=…,v1=…`: HMAC-SHA256 of `{t}.{body}` with the endpoint's signing secret, `stripe.webhook_secret`); 400 when no `v1` matches or `t` is more than 300 s away. Each event id is handled once (a replay answers `replayed`). `checkout.session.completed` with `payment_status: \"paid\"` and `checkout.session.async_payment_succeeded` record `amount_total` as an `online` payment on the session's invoice (what exceeds the due becomes customer credit); `checkout.session.async_payment_failed` is written in the invoice's history; other types are acknowledged and ignored. 404 for a company without a Stripe account.",
        body: Body::Json("StripeEvent"),
        success: Success::Json(200, "StripeWebhookAnswer", "The event was received"),
        errors: &[400, 404],
        public: true,
        ..op("post", "/webhooks/stripe/{company_id}", "stripeWebhook", "collections")
    },
    // --- dunning (issue 23) ---
    Operation {
        description: "The company's issued invoices whose due date is before `as_of` (default today) with something still due, oldest due date first, without those of customers or invoices marked `never`: each with `days_overdue`, `due` and `next_step`, the level a run takes next (`reminder_1`, `reminder_2`, `formal_notice`… as configured in `PATCH /settings {\"dunning\"}`), `next_step_on` (the first day it may be taken) and `next_step_due`. The next level follows the last one taken, never skipping one.",
        query: &["AsOf"],
        success: Success::Json(200, "DunningPage", "The overdue invoices"),
        errors: &[422],
        ..op("get", "/dunning", "listDunning", "dunning")
    },
    Operation {
        description: "Takes, on `as_of` (default today), the next step of every overdue invoice (or of `invoice_ids`) whose step is due and whose level goes out through `channel` (`email`, the default, or `letter`; a level of channel `both` goes out in either). One e-mail per customer lists its invoices with their PDFs attached (through the outbox), or one printable letter per customer (`GET /dunning/letters/{id}`). Each step shows in the invoice's `history` (`dunning_step`). A second run the same day, or two runs at once, take each step once. With a friendly reminder set (`PATCH /settings {\"dunning\": {\"friendly_reminder\": {\"days_before\": 5}}}`), invoices falling due within those days get it once, by e-mail. A level with a late fee (`late_fees`) bills it once per invoice and level as an invoice of its own, issued (numbered, sealed) with its lines outside the scope of VAT (category O): `fees` lists them; undoing the step issues a credit note cancelling the fee. `{\"documents\": \"quotes\"}` sends the follow-ups of sent quotes instead (one e-mail per customer, the quotes' PDFs attached). The company's texts per level, language and customer type (`templates`) replace the built-in ones.",
        body: Body::Json("DunningRunInput"),
        success: Success::Json(200, "DunningRun", "The steps taken"),
        errors: &[403, 422],
        ..op("post", "/dunning/run", "runDunning", "dunning")
    },
    Operation {
        description: "The step stays in the history, marked undone (`dunning_undone`; `undone_at` in `GET /invoices/{id}/dunning`), and its level may be taken again. 409 when already undone.",
        success: Success::NoContent("The step is undone"),
        errors: &[403, 404, 409],
        ..op("delete", "/dunning/steps/{id}", "undoDunningStep", "dunning")
    },
    Operation {
        description: "The PDF letter a run made for a customer.",
        success: Success::File("application/pdf", "The letter"),
        errors: &[404],
        ..op("get", "/dunning/letters/{id}", "getDunningLetter", "dunning")
    },
    Operation {
        description: "Whether the invoice is dunned (`auto`) or never (`never`), and every step taken or written on it.",
        success: Success::Json(200, "InvoiceDunning", "The invoice's dunning"),
        errors: &[404],
        ..op("get", "/invoices/{id}/dunning", "getInvoiceDunning", "dunning")
    },
    Operation {
        description: "`{\"dunning\": \"never\"}`: the invoice is never dunned; `\"auto\"` undoes it. Not part of the invoice's sealed content.",
        body: Body::Json("DunningFlagInput"),
        success: Success::Json(200, "InvoiceDunning", "The invoice's dunning"),
        errors: &[403, 404, 422],
        ..op("put", "/invoices/{id}/dunning", "setInvoiceDunning", "dunning")
    },
    Operation {
        description: "A call, a promise to pay or a note, in the invoice's dunning history (`dunning_note`). 409 for a draft.",
        body: Body::Json("DunningNoteInput"),
        success: Success::Json(201, "DunningStep", "The entry"),
        errors: &[403, 404, 409, 422],
        ..op("post", "/invoices/{id}/dunning/notes", "addDunningNote", "dunning")
    },
    Operation {
        description: "The company's sent quotes (status `sent`, not accepted, refused nor converted) issued on or before `as_of` (default today), without those of customers or quotes marked `never`: each with `next_step`, the follow-up a run with `{\"documents\": \"quotes\"}` sends next (`quote_follow_up_1`, 15 days after sending, until changed in `PATCH /settings {\"dunning\": {\"quote_follow_ups\"}}`), `next_step_on` and `next_step_due`.",
        query: &["AsOf"],
        success: Success::Json(200, "DunningQuotePage", "The sent quotes"),
        errors: &[422],
        ..op("get", "/dunning/quotes", "listDunningQuotes", "dunning")
    },
    // --- end dunning ---
    // meta
    Operation {
        description: "Needs no token.",
        success: Success::OpenApi,
        public: true,
        ..op("get", "/openapi.json", "getOpenApi", "meta")
    },
];

/// Per-operation details, keyed by (method, path) of [`crate::api::ROUTES`]: the routes above and
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
    one_of_names(statuses.map(Status::as_str))
}

/// "`a`, `b` or `c`".
fn one_of_names<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let words: Vec<String> = names.map(|s| format!("`{s}`")).collect();
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
                one_of_names(ListStatus::all(kind).iter().map(|f| f.as_str()))
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

/// The details of a route of [`crate::api::ROUTES`].
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
        502 => "BadGateway",
        other => unreachable!("no error response for status {other}"),
    }
}

pub(super) fn operation_object(method: &str, path: &str, summary: &str) -> Value {
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
