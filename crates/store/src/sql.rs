//! A tiny builder for dynamic SQL (filters, cursors) that numbers `$N` placeholders
//! and binds values of the few types we store, on either backend. The text it builds
//! holds only fixed fragments and placeholders, never a value, so it is safe to run
//! through `sqlx::AssertSqlSafe`.

use time::Date;
use uuid::Uuid;

/// A value bound to a placeholder.
#[derive(Clone, Debug)]
pub enum Arg {
    Uuid(Uuid),
    Text(String),
    Date(Date),
    I64(i64),
}

/// SQL text with its arguments.
#[derive(Default, Debug)]
pub struct Sql {
    pub text: String,
    pub args: Vec<Arg>,
}

impl Sql {
    pub fn new(text: &str) -> Sql {
        Sql { text: text.to_string(), args: Vec::new() }
    }

    /// Appends raw SQL.
    pub fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }

    /// Appends a placeholder bound to `arg`.
    pub fn bind(&mut self, arg: Arg) -> &mut Self {
        self.args.push(arg);
        self.text.push_str(&format!("${}", self.args.len()));
        self
    }

    /// Appends `(<p1>, <p2>, …)`, one placeholder per id, for `IN` (`ids` must not be empty).
    pub fn bind_ids(&mut self, ids: impl IntoIterator<Item = Uuid>) -> &mut Self {
        self.text.push('(');
        for (i, id) in ids.into_iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self.bind(Arg::Uuid(id));
        }
        self.text.push(')');
        self
    }
}

/// Binds every argument of a [`Sql`] onto a query or query_as (either backend).
#[macro_export]
macro_rules! bind_args {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                $crate::Arg::Uuid(v) => q.bind(v),
                $crate::Arg::Text(v) => q.bind(v),
                $crate::Arg::Date(v) => q.bind(v),
                $crate::Arg::I64(v) => q.bind(v),
            };
        }
        q
    }};
}

/// Escapes `%`, `_` and `\` for a LIKE pattern with `ESCAPE '\'`.
pub fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
