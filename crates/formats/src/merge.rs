//! The merge-field templates that a company writes for its e-mails (`email`) and its
//! reminders (`dunning`): `{name}` is replaced by the field's value, `{{` and `}}` write a
//! literal brace. One parser and one renderer; each module says which fields it knows.

/// A piece of a parsed template: text as written, or a known field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Piece<F> {
    Text(String),
    Field(F),
}

/// Why a template does not parse (each module words it in its own error).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Broken {
    /// `{name}` names no field of the module.
    UnknownField(String),
    /// The brace at this character (from 1) is not closed.
    Unclosed(usize),
    /// The closing brace at this character (from 1) closes nothing.
    StrayClose(usize),
}

/// Parses `s`, each `{name}` found by `field` (given the name without its spaces).
pub(crate) fn parse<F>(s: &str, field: impl Fn(&str) -> Option<F>) -> Result<Vec<Piece<F>>, Broken> {
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut chars = s.chars().enumerate().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            '{' if chars.peek().is_some_and(|&(_, n)| n == '{') => {
                chars.next();
                text.push('{');
            }
            '}' if chars.peek().is_some_and(|&(_, n)| n == '}') => {
                chars.next();
                text.push('}');
            }
            '}' => return Err(Broken::StrayClose(at + 1)),
            '{' => {
                let mut name = String::new();
                loop {
                    match chars.next() {
                        Some((_, '}')) => break,
                        Some((_, '{')) | None => return Err(Broken::Unclosed(at + 1)),
                        Some((_, ch)) => name.push(ch),
                    }
                }
                let found = field(name.trim()).ok_or_else(|| Broken::UnknownField(name.clone()))?;
                if !text.is_empty() {
                    pieces.push(Piece::Text(std::mem::take(&mut text)));
                }
                pieces.push(Piece::Field(found));
            }
            other => text.push(other),
        }
    }
    if !text.is_empty() {
        pieces.push(Piece::Text(text));
    }
    Ok(pieces)
}

/// The text of `pieces` with every field replaced by `value` of it.
pub(crate) fn render<'a, F: Copy>(pieces: &[Piece<F>], value: impl Fn(F) -> &'a str) -> String {
    let mut out = String::new();
    for p in pieces {
        match p {
            Piece::Text(t) => out.push_str(t),
            Piece::Field(f) => out.push_str(value(*f)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &str) -> Option<u8> {
        (name == "a").then_some(1)
    }

    #[test]
    fn fields_braces_and_errors_are_read_once_for_every_template() {
        let p = parse("x {a} {{y}} { a }", field).unwrap();
        assert_eq!(render(&p, |_| "A"), "x A {y} A");
        assert_eq!(parse("{b}", field), Err(Broken::UnknownField("b".into())));
        assert_eq!(parse("ab {a", field), Err(Broken::Unclosed(4)));
        assert_eq!(parse("a}", field), Err(Broken::StrayClose(2)));
    }
}
