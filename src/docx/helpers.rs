//! The helpers templates call, and how inserted values become WordprocessingML text.

use chrono::NaiveDate;
use handlebars::{
    Context, Handlebars, Helper, HelperResult, Output, RenderContext, RenderError,
    RenderErrorReason,
};
use serde_json::Value;

use crate::intake::Money;

/// Registers every helper and the escaping that keeps inserted values inside their run.
pub fn register(registry: &mut Handlebars<'_>) {
    registry.register_escape_fn(escape_run_text);
    registry.register_helper("date", Box::new(date));
    registry.register_helper("money", Box::new(money));
    registry.register_helper("join", Box::new(join));
    registry.register_helper("upper", Box::new(upper));
    registry.register_helper("lower", Box::new(lower));
    registry.register_helper("checkbox", Box::new(checkbox));
    registry.register_helper("plural", Box::new(plural));
}

/// Escapes a value for a `w:t` element; a line break becomes a Word line break and a tab a
/// Word tab, by closing the text element and opening a new one in the same run.
pub fn escape_run_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 16);
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("</w:t><w:br/><w:t xml:space=\"preserve\">"),
            '\t' => out.push_str("</w:t><w:tab/><w:t xml:space=\"preserve\">"),
            '\r' => {}
            c if is_xml_char(c) => out.push(c),
            _ => {}
        }
    }
    out
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}') || c >= '\u{10000}'
}

/// A value as text, the way `{{value}}` shows it.
fn text_of(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        Value::Array(items) => items.iter().map(text_of).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

fn param<'a>(helper: &'a Helper<'_>, index: usize) -> &'a Value {
    helper.param(index).map_or(&Value::Null, |p| p.value())
}

fn write(out: &mut dyn Output, text: &str) -> HelperResult {
    out.write(&escape_run_text(text))?;
    Ok(())
}

fn failed(helper: &str, message: String) -> RenderError {
    RenderErrorReason::Other(format!("{helper}: {message}")).into()
}

/// `{{date d}}` gives `January 15, 2027`; `{{date d "%m/%d/%Y"}}` takes a strftime format.
fn date(
    h: &Helper,
    _: &Handlebars,
    _: &Context,
    _: &mut RenderContext,
    out: &mut dyn Output,
) -> HelperResult {
    let text = text_of(param(h, 0));
    if text.is_empty() {
        return Ok(());
    }
    let date = NaiveDate::parse_from_str(&text, "%Y-%m-%d")
        .map_err(|_| failed("date", format!("`{text}` is not a date")))?;
    let format = match param(h, 1) {
        Value::String(format) => format.as_str(),
        _ => "%B %-d, %Y",
    };
    crate::docx::tags::check_date_format(format).map_err(|m| failed("date", m))?;
    write(out, &date.format(format).to_string())
}

/// `{{money x}}` gives `$12,500.00`.
fn money(
    h: &Helper,
    _: &Handlebars,
    _: &Context,
    _: &mut RenderContext,
    out: &mut dyn Output,
) -> HelperResult {
    let amount = match param(h, 0) {
        Value::Null => return Ok(()),
        Value::Number(n) => n.as_f64().unwrap_or(0.0),
        Value::String(s) if s.is_empty() => return Ok(()),
        Value::String(s) => s
            .replace([',', '$'], "")
            .parse::<f64>()
            .map_err(|_| failed("money", format!("`{s}` is not an amount")))?,
        other => return Err(failed("money", format!("`{other}` is not an amount"))),
    };
    let sign = if amount < 0.0 { "-" } else { "" };
    let cents = (amount.abs() * 100.0).round() as u64;
    write(out, &format!("{sign}{}", Money(cents)))
}

/// `{{join list "; "}}` joins a list's items; the separator defaults to `, `.
fn join(
    h: &Helper,
    _: &Handlebars,
    _: &Context,
    _: &mut RenderContext,
    out: &mut dyn Output,
) -> HelperResult {
    let separator = match param(h, 1) {
        Value::String(separator) => separator.as_str(),
        _ => ", ",
    };
    let text = match param(h, 0) {
        Value::Array(items) => {
            items.iter().map(text_of).collect::<Vec<_>>().join(separator)
        }
        other => text_of(other),
    };
    write(out, &text)
}

fn upper(
    h: &Helper,
    _: &Handlebars,
    _: &Context,
    _: &mut RenderContext,
    out: &mut dyn Output,
) -> HelperResult {
    write(out, &text_of(param(h, 0)).to_uppercase())
}

fn lower(
    h: &Helper,
    _: &Handlebars,
    _: &Context,
    _: &mut RenderContext,
    out: &mut dyn Output,
) -> HelperResult {
    write(out, &text_of(param(h, 0)).to_lowercase())
}

/// `{{checkbox flag}}` gives ☒ for a true value and ☐ otherwise.
fn checkbox(
    h: &Helper,
    _: &Handlebars,
    _: &Context,
    _: &mut RenderContext,
    out: &mut dyn Output,
) -> HelperResult {
    let checked = match param(h, 0) {
        Value::Bool(b) => *b,
        Value::Null => false,
        Value::String(s) => !s.is_empty() && s != "false",
        Value::Number(n) => n.as_f64().is_some_and(|x| x != 0.0),
        Value::Array(items) => !items.is_empty(),
        Value::Object(map) => !map.is_empty(),
    };
    write(out, if checked { "\u{2612}" } else { "\u{2610}" })
}

/// `{{plural n "school" "schools"}}` gives `school` when n is 1 and `schools` otherwise.
fn plural(
    h: &Helper,
    _: &Handlebars,
    _: &Context,
    _: &mut RenderContext,
    out: &mut dyn Output,
) -> HelperResult {
    let count = match param(h, 0) {
        Value::Number(n) => n.as_f64().unwrap_or(0.0),
        Value::Array(items) => items.len() as f64,
        Value::String(s) => s.parse().unwrap_or(0.0),
        _ => 0.0,
    };
    let word = if count == 1.0 { text_of(param(h, 1)) } else { text_of(param(h, 2)) };
    write(out, &word)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn render(template: &str, data: Value) -> String {
        let mut registry = Handlebars::new();
        register(&mut registry);
        registry.render_template(template, &data).unwrap()
    }

    #[test]
    fn values_are_escaped_and_line_breaks_become_word_breaks() {
        assert_eq!(
            render("{{v}}", json!({"v": "a & <b> \"c\"\nd"})),
            "a &amp; &lt;b&gt; &quot;c&quot;</w:t><w:br/><w:t xml:space=\"preserve\">d"
        );
        assert_eq!(render("{{v}}", json!({"v": "{{not a tag}}"})), "{{not a tag}}");
    }

    #[test]
    fn every_helper_formats_as_documented() {
        let data = json!({"d": "2027-01-15", "x": 12500, "list": ["a", "b"], "s": "Mixed",
            "yes": true, "no": false, "one": 1, "three": 3});
        assert_eq!(render("{{date d}}", data.clone()), "January 15, 2027");
        assert_eq!(render("{{date d \"%m/%d/%Y\"}}", data.clone()), "01/15/2027");
        assert_eq!(render("{{money x}}", data.clone()), "$12,500.00");
        assert_eq!(render("{{join list \"; \"}}", data.clone()), "a; b");
        assert_eq!(render("{{upper s}} {{lower s}}", data.clone()), "MIXED mixed");
        assert_eq!(
            render("{{checkbox yes}}{{checkbox no}}", data.clone()),
            "\u{2612}\u{2610}"
        );
        assert_eq!(
            render("{{one}} {{plural one \"school\" \"schools\"}}", data.clone()),
            "1 school"
        );
        assert_eq!(render("{{plural three \"school\" \"schools\"}}", data), "schools");
    }
}
