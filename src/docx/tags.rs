//! Reading the inside of a `{{...}}` tag, and checking the fields it names.

use serde_json::Value;

/// The helpers templates may call, with how many arguments each takes.
pub const HELPERS: [(&str, usize, usize); 8] = [
    ("date", 1, 2),
    ("money", 1, 1),
    ("join", 1, 2),
    ("upper", 1, 1),
    ("lower", 1, 1),
    ("checkbox", 1, 1),
    ("plural", 3, 3),
    ("signature", 1, 1),
];

/// The block helpers templates may open.
pub const BLOCKS: [&str; 4] = ["each", "if", "unless", "with"];

/// What a tag does.
#[derive(Debug, Clone, PartialEq)]
pub enum Tag {
    /// `{{#name args}}`
    Open { name: String, args: Vec<Arg> },
    /// `{{/name}}`
    Close { name: String },
    /// `{{else}}`
    Else,
    /// `{{! ... }}`
    Comment,
    /// `{{path}}` or `{{helper args}}`: the first word and the rest.
    Insert { head: String, args: Vec<Arg> },
}

/// One argument of a tag.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Path(String),
    Text(String),
    Literal(String),
}

/// Rewrites Word's typographic quotes and spaces inside a tag to the plain ones handlebars reads.
pub fn straighten(tag: &str) -> String {
    tag.chars()
        .map(|c| match c {
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' => '"',
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' => '\'',
            '\u{00A0}' | '\u{2007}' | '\u{202F}' => ' ',
            other => other,
        })
        .collect()
}

/// Parses a whole tag, `{{` and `}}` included.
pub fn parse_tag(tag: &str) -> Result<Tag, String> {
    let inner =
        tag.strip_prefix("{{").and_then(|t| t.strip_suffix("}}")).ok_or("not a tag")?;
    if inner.starts_with('{') || inner.ends_with('}') {
        return Err("triple braces insert raw XML and are not allowed; use two".into());
    }
    let inner = inner.trim_matches('~').trim();
    if inner.starts_with('!') {
        return Ok(Tag::Comment);
    }
    if let Some(first) = inner.chars().next().filter(|c| matches!(c, '>' | '&' | '*' | '^'))
    {
        return Err(format!("`{first}` tags are not supported"));
    }
    if inner.is_empty() {
        return Err("the tag is empty".into());
    }
    if let Some(rest) = inner.strip_prefix('#') {
        let mut words = split_words(rest)?;
        if words.is_empty() {
            return Err("the block tag names no helper".into());
        }
        let name = words.remove(0);
        if words.is_empty() {
            return Err(format!("`#{name}` needs a field, e.g. {{{{#{name} schools}}}}"));
        }
        if !BLOCKS.contains(&name.as_str()) {
            return Err(format!(
                "`#{name}` is not a block; use #each, #if, #unless or #with"
            ));
        }
        if words.iter().any(|w| w == "as") {
            return Err("block parameters (`as |x|`) are not supported".into());
        }
        return Ok(Tag::Open { name, args: words.into_iter().map(arg).collect() });
    }
    if let Some(rest) = inner.strip_prefix('/') {
        return Ok(Tag::Close { name: rest.trim().to_string() });
    }
    let mut words = split_words(inner)?;
    if words.len() == 1 && words[0] == "else" {
        return Ok(Tag::Else);
    }
    let head = words.remove(0);
    Ok(Tag::Insert { head, args: words.into_iter().map(arg).collect() })
}

fn arg(word: String) -> Arg {
    if let Some(text) = word.strip_prefix('"').and_then(|w| w.strip_suffix('"')) {
        Arg::Text(text.to_string())
    } else if let Some(text) = word.strip_prefix('\'').and_then(|w| w.strip_suffix('\'')) {
        Arg::Text(text.to_string())
    } else if word.parse::<f64>().is_ok()
        || matches!(word.as_str(), "true" | "false" | "null")
    {
        Arg::Literal(word)
    } else {
        Arg::Path(word)
    }
}

/// Splits a tag's inside on spaces, keeping quoted text and `[...]` segments whole.
fn split_words(text: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    let mut bracket = false;
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => {
                current.push(c);
                quote = None;
            }
            (Some(_), c) => current.push(c),
            (None, '"' | '\'') if !bracket => {
                current.push(c);
                quote = Some(c);
            }
            (None, '(' | ')') if !bracket => {
                return Err("sub-expressions in parentheses are not supported".into());
            }
            (None, '=') if !bracket => {
                return Err("named arguments (`x=...`) are not supported".into())
            }
            (None, '[') => {
                bracket = true;
                current.push(c);
            }
            (None, ']') => {
                bracket = false;
                current.push(c);
            }
            (None, c) if c.is_whitespace() && !bracket => {
                if !current.is_empty() {
                    words.push(std::mem::take(&mut current));
                }
            }
            (None, c) => current.push(c),
        }
    }
    if quote.is_some() {
        return Err("a quoted argument is never closed".into());
    }
    if bracket {
        return Err("a `[` is never closed".into());
    }
    if !current.is_empty() {
        words.push(current);
    }
    Ok(words)
}

/// Splits a path into segments: `a.b`, `a/b`, `a.[two words]`, `../a`.
fn segments(path: &str) -> Vec<String> {
    let mut segments = Vec::new();
    let mut rest = path;
    while let Some(after) = rest.strip_prefix("../") {
        segments.push("..".to_string());
        rest = after;
    }
    let mut current = String::new();
    let mut bracket = false;
    for c in rest.chars() {
        match c {
            '[' if !bracket => bracket = true,
            ']' if bracket => bracket = false,
            '.' | '/' if !bracket => segments.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    segments.push(current);
    segments.retain(|s| !s.is_empty());
    segments
}

/// The sample values a template's tags are checked against, innermost block last.
pub struct Scope<'a> {
    contexts: Vec<(&'a Value, bool)>,
}

impl<'a> Scope<'a> {
    /// A scope at the top of the document.
    pub fn new(root: &'a Value) -> Scope<'a> {
        Scope { contexts: vec![(root, false)] }
    }

    /// Enters a block; `each` makes the first item of the list the context.
    pub fn open(&mut self, name: &str, args: &[Arg]) -> Result<(), String> {
        let [Arg::Path(path)] = args else {
            return Err(format!("`#{name}` takes one field, e.g. {{{{#{name} schools}}}}"));
        };
        let value = self.resolve(path)?;
        let inner = match name {
            "each" => match value {
                Value::Array(items) => (items.first().unwrap_or(&Value::Null), true),
                Value::Object(_) => (value, true),
                _ => {
                    return Err(format!(
                        "`{path}` is not a list, so #each cannot repeat it"
                    ))
                }
            },
            "with" => (value, self.in_each()),
            _ => (self.current(), self.in_each()),
        };
        self.contexts.push(inner);
        Ok(())
    }

    /// Leaves the innermost block.
    pub fn close(&mut self) {
        if self.contexts.len() > 1 {
            self.contexts.pop();
        }
    }

    fn current(&self) -> &'a Value {
        self.contexts.last().map_or(&Value::Null, |(value, _)| value)
    }

    fn in_each(&self) -> bool {
        self.contexts.last().is_some_and(|(_, each)| *each)
    }

    /// Checks an inserting tag: a field, or a helper and its arguments.
    pub fn check_insert(&self, head: &str, args: &[Arg]) -> Result<(), String> {
        if head == "signature" {
            return check_signature_name(args);
        }
        if let Some((_, min, max)) = HELPERS.iter().find(|(name, _, _)| *name == head) {
            if args.len() < *min || args.len() > *max {
                let wanted =
                    if min == max { min.to_string() } else { format!("{min} or {max}") };
                return Err(format!(
                    "`{head}` takes {wanted} arguments, not {}",
                    args.len()
                ));
            }
            for arg in args {
                if let Arg::Path(path) = arg {
                    self.resolve(path)?;
                }
            }
            if head == "date" {
                if let Some(Arg::Text(format)) = args.get(1) {
                    check_date_format(format)?;
                }
            }
            return Ok(());
        }
        if !args.is_empty() {
            return Err(format!(
                "`{head}` is not a helper; helpers are {}",
                helper_names()
            ));
        }
        self.resolve(head).map(|_| ())
    }

    /// Finds the sample value a path names, or says why there is none.
    fn resolve(&self, path: &str) -> Result<&'a Value, String> {
        if let Some(name) = path.strip_prefix('@') {
            return match name {
                "index" | "first" | "last" | "key" if self.in_each() => Ok(&Value::Null),
                "index" | "first" | "last" | "key" => {
                    Err(format!("`@{name}` only works inside {{{{#each}}}}"))
                }
                _ if name.starts_with("root") => Ok(&Value::Null),
                _ => Err(format!("`{path}` is not a field")),
            };
        }
        let mut depth = self.contexts.len() - 1;
        let mut value = self.current();
        let mut walked = Vec::new();
        for segment in segments(path) {
            match segment.as_str() {
                ".." => {
                    depth = depth.checked_sub(1).ok_or("`..` goes above the document")?;
                    value = self.contexts[depth].0;
                }
                "this" | "." => {}
                _ => {
                    value = match value {
                        Value::Object(map) => match map.get(&segment) {
                            Some(found) => found,
                            // Unknown spreadsheet columns vary from file to file.
                            None if walked == ["extra"] => return Ok(&Value::Null),
                            None => return Err(unknown_field(&segment, map.keys())),
                        },
                        Value::Array(_) if segment == "length" => &Value::Null,
                        Value::Array(items) => match segment.parse::<usize>() {
                            Ok(_) => items.first().unwrap_or(&Value::Null),
                            Err(_) => {
                                return Err(format!("`{path}`: a list has no `{segment}`"))
                            }
                        },
                        _ => {
                            return Err(format!(
                                "`{path}`: `{}` has no fields",
                                walked.join(".")
                            ))
                        }
                    };
                    walked.push(segment);
                }
            }
        }
        Ok(value)
    }
}

fn unknown_field<'k>(name: &str, known: impl Iterator<Item = &'k String>) -> String {
    let closest = known
        .map(|key| (strsim::jaro_winkler(name, key), key))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match closest {
        Some((_, key)) => format!("no field named `{name}`; did you mean `{key}`?"),
        None => format!("no field named `{name}`"),
    }
}

fn helper_names() -> String {
    HELPERS.iter().map(|(name, _, _)| *name).collect::<Vec<_>>().join(", ")
}

/// Checks that `{{signature ...}}` names its signer in quotes, with letters, digits, `-`
/// and `_` only (the name becomes the PDF's signature field name).
pub fn check_signature_name(args: &[Arg]) -> Result<(), String> {
    let valid = |name: &str| {
        !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
    };
    match args.first() {
        Some(Arg::Text(name)) if valid(name) => Ok(()),
        _ => Err("`signature` takes the signer's name in quotes, in letters, digits, \
                  `-` or `_`, e.g. {{signature \"district\"}}"
            .into()),
    }
}

/// Checks a strftime format such as `%m/%d/%Y`.
pub fn check_date_format(format: &str) -> Result<(), String> {
    use chrono::format::{Item, StrftimeItems};
    if StrftimeItems::new(format).any(|item| matches!(item, Item::Error)) {
        return Err(format!("`{format}` is not a date format; try \"%m/%d/%Y\""));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tags_of_every_kind_parse() {
        assert_eq!(parse_tag("{{else}}"), Ok(Tag::Else));
        assert_eq!(parse_tag("{{/each}}"), Ok(Tag::Close { name: "each".into() }));
        assert_eq!(
            parse_tag("{{#each decisions}}"),
            Ok(Tag::Open {
                name: "each".into(),
                args: vec![Arg::Path("decisions".into())]
            })
        );
        assert_eq!(
            parse_tag("{{ date start_date \"%m/%d/%Y\" }}"),
            Ok(Tag::Insert {
                head: "date".into(),
                args: vec![Arg::Path("start_date".into()), Arg::Text("%m/%d/%Y".into())]
            })
        );
        assert!(parse_tag("{{{raw}}}").is_err());
        assert!(parse_tag("{{> partial}}").is_err());
        assert!(parse_tag("{{#each}}").is_err());
        assert!(parse_tag("{{join schools \"; }}").is_err());
    }

    #[test]
    fn curly_quotes_become_straight() {
        assert_eq!(straighten("{{date d \u{201C}%Y\u{201D}}}"), "{{date d \"%Y\"}}");
    }

    #[test]
    fn fields_are_checked_against_the_sample() {
        let sample = json!({"partner_name": "x", "schools": ["a"], "decisions": [{"notes": "n"}],
            "extra": {}, "start_date": "2027-01-15"});
        let mut scope = Scope::new(&sample);
        assert!(scope.check_insert("partner_name", &[]).is_ok());
        let err = scope.check_insert("partner_nmae", &[]).unwrap_err();
        assert!(err.contains("did you mean `partner_name`"), "{err}");
        assert!(scope.check_insert("extra.[Grant Code]", &[]).is_ok());
        assert!(scope.check_insert("date", &[Arg::Path("start_date".into())]).is_ok());
        assert!(scope.check_insert("date", &[]).is_err());
        assert!(scope.check_insert("money", &[Arg::Path("nothing".into())]).is_err());

        scope.open("each", &[Arg::Path("decisions".into())]).unwrap();
        assert!(scope.check_insert("notes", &[]).is_ok());
        assert!(scope.check_insert("../partner_name", &[]).is_ok());
        assert!(scope.check_insert("@index", &[]).is_ok());
        scope.close();
        assert!(scope.check_insert("notes", &[]).is_err());
        assert!(scope.check_insert("@index", &[]).is_err());
        assert!(scope.open("each", &[Arg::Path("partner_name".into())]).is_err());
    }

    #[test]
    fn date_formats_are_checked() {
        assert!(check_date_format("%m/%d/%Y").is_ok());
        assert!(check_date_format("%Q").is_err());
    }
}
