//! Turning one cell into a typed value, or saying why it cannot be one.

use calamine::Data;
use chrono::NaiveDate;

use crate::intake::record::Money;

/// Why a cell's value was refused, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadValue {
    pub problem: String,
    pub hint: Option<String>,
}

impl BadValue {
    fn new(problem: impl Into<String>, hint: impl Into<String>) -> BadValue {
        BadValue { problem: problem.into(), hint: Some(hint.into()) }
    }
}

const DATE_HINT: &str =
    "write the date as 2027-01-15, 1/15/2027 or January 15, 2027, or format the cell as a date";

/// Removes characters XML 1.0 cannot hold and makes every line break a `\n`.
///
/// Excel lets a vertical tab or other control character into a cell; left in place it
/// would break every Word document made from the row. A vertical tab is how a line break
/// pasted from Word arrives, so it becomes one.
pub fn clean_text(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace(['\r', '\u{b}'], "\n");
    text.chars().filter(|&c| is_xml_char(c)).collect()
}

/// Whether XML 1.0 allows `c` in a document.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
        || c >= '\u{10000}'
}

/// Shows a cell as text the way staff would read it, for messages and `extra` columns.
pub fn display(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(text) | Data::DateTimeIso(text) | Data::DurationIso(text) => {
            text.clone()
        }
        Data::Int(n) => n.to_string(),
        Data::Float(x) => format_number(*x),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(dt) if dt.time() == chrono::NaiveTime::MIN => dt.date().to_string(),
            Some(dt) => dt.to_string(),
            None => dt.as_f64().to_string(),
        },
        Data::Error(err) => err.to_string(),
    }
}

/// Formats a number without a trailing `.0` when it is whole.
fn format_number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        x.to_string()
    }
}

/// Reads a cell as trimmed, cleaned text; `None` when it is empty.
pub fn text(cell: &Data) -> Result<Option<String>, BadValue> {
    if let Data::Error(err) = cell {
        return Err(error_cell(err));
    }
    let text = clean_text(display(cell).trim());
    Ok(if text.is_empty() { None } else { Some(text) })
}

/// The refusal for a formula error cell such as `#REF!`.
fn error_cell(err: &calamine::CellErrorType) -> BadValue {
    BadValue::new(
        format!("the cell holds the error {err}"),
        "fix the formula in the spreadsheet, or type the value in",
    )
}

/// Reads a date from a date cell or from text in one of the accepted forms.
pub fn date(cell: &Data) -> Result<Option<NaiveDate>, BadValue> {
    match cell {
        Data::DateTime(dt) if dt.is_datetime() => match dt.as_datetime() {
            Some(dt) => Ok(Some(dt.date())),
            None => Err(BadValue::new("the date cell is out of range", DATE_HINT)),
        },
        Data::DateTime(_) | Data::DurationIso(_) => {
            Err(BadValue::new("the cell holds a duration, not a date", DATE_HINT))
        }
        Data::Int(_) | Data::Float(_) => {
            Err(BadValue::new("the cell holds a number, not a date", DATE_HINT))
        }
        Data::DateTimeIso(text) => parse_date(text).map(Some),
        _ => match text(cell)? {
            Some(text) => parse_date(&text).map(Some),
            None => Ok(None),
        },
    }
}

/// Parses `2027-01-15`, `1/15/2027` or `January 15, 2027` (a time after the date is ignored).
pub fn parse_date(text: &str) -> Result<NaiveDate, BadValue> {
    let text = text.trim();
    let iso = text.split(['T', ' ']).next().unwrap_or(text);
    let words = text.replace(',', " ").split_whitespace().collect::<Vec<_>>().join(" ");
    let parsed = NaiveDate::parse_from_str(iso, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%m/%d/%Y"))
        .or_else(|_| NaiveDate::parse_from_str(&words, "%B %d %Y"))
        .or_else(|_| NaiveDate::parse_from_str(&words, "%d %B %Y"));
    parsed.map_err(|_| BadValue::new("not a date", DATE_HINT))
}

/// Reads an amount of money of at least zero; an empty cell is zero.
pub fn money(cell: &Data) -> Result<Money, BadValue> {
    const HINT: &str = "write an amount like 12500, 12,500 or $12,500.00";
    let amount = match cell {
        Data::Empty => return Ok(Money(0)),
        Data::Int(n) => *n as f64,
        Data::Float(x) => *x,
        _ => match text(cell)? {
            None => return Ok(Money(0)),
            Some(text) => parse_money(&text)?,
        },
    };
    if !amount.is_finite() {
        return Err(BadValue::new("not an amount of money", HINT));
    }
    if amount < 0.0 {
        return Err(BadValue::new("the amount is negative", "amounts must be 0 or more"));
    }
    let cents = (amount * 100.0).round();
    if cents > 1e17 {
        return Err(BadValue::new("the amount is too large", HINT));
    }
    Ok(Money(cents as u64))
}

/// Parses `$12,500.00`, `12,500`, `12500.5` and `-500` (the sign is checked by the caller).
fn parse_money(text: &str) -> Result<f64, BadValue> {
    let bad = || BadValue::new("not an amount of money", "write an amount like $12,500.00");
    let trimmed = text.trim();
    let (negative, rest) = match trimmed.strip_prefix('-') {
        Some(rest) => (true, rest.trim_start()),
        None => match trimmed.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
            Some(rest) => (true, rest),
            None => (false, trimmed),
        },
    };
    let rest = rest.strip_prefix('$').unwrap_or(rest).trim();
    let (whole, cents) = rest.split_once('.').unwrap_or((rest, ""));
    if !valid_grouped_digits(whole)
        || cents.len() > 2
        || !cents.chars().all(|c| c.is_ascii_digit())
    {
        return Err(bad());
    }
    let value: f64 = format!(
        "{}.{}",
        whole.replace(',', ""),
        if cents.is_empty() { "0" } else { cents }
    )
    .parse()
    .map_err(|_| bad())?;
    Ok(if negative { -value } else { value })
}

/// Accepts `12500` or `12,500` (commas every three digits), not `1,25,00`.
fn valid_grouped_digits(text: &str) -> bool {
    if text.is_empty() || !text.chars().all(|c| c.is_ascii_digit() || c == ',') {
        return false;
    }
    let mut groups = text.split(',');
    let first = groups.next().unwrap_or("");
    !first.is_empty()
        && first.len() <= if text.contains(',') { 3 } else { usize::MAX }
        && groups.all(|group| group.len() == 3)
}

/// Reads a number of at least zero from a number cell or text like `7.5`.
pub fn number(cell: &Data) -> Result<Option<f64>, BadValue> {
    const HINT: &str = "write a number such as 2 or 7.5";
    let value = match cell {
        Data::Int(n) => *n as f64,
        Data::Float(x) => *x,
        _ => match text(cell)? {
            None => return Ok(None),
            Some(text) => match text.replace(',', "").parse::<f64>() {
                Ok(value) => value,
                Err(_) => return Err(BadValue::new("not a number", HINT)),
            },
        },
    };
    if !value.is_finite() {
        return Err(BadValue::new("not a number", HINT));
    }
    if value < 0.0 {
        return Err(BadValue::new("the number is negative", "it must be 0 or more"));
    }
    Ok(Some(value))
}

/// Reads a whole number of at least zero.
pub fn whole_number(cell: &Data) -> Result<Option<u64>, BadValue> {
    match number(cell)? {
        None => Ok(None),
        Some(value) if value.fract() != 0.0 => {
            Err(BadValue::new("not a whole number", "write a whole number such as 120"))
        }
        Some(value) if value > 1e15 => Err(BadValue::new(
            "the number is too large",
            "write a whole number such as 120",
        )),
        Some(value) => Ok(Some(value as u64)),
    }
}

/// Splits a list on `;`, `,` or line breaks, trimming items and dropping empty and repeated ones.
pub fn list(text: &str) -> Vec<String> {
    let mut items: Vec<String> = Vec::new();
    for item in text.split([';', ',', '\n']).map(str::trim).filter(|item| !item.is_empty())
    {
        if !items.iter().any(|seen| seen.eq_ignore_ascii_case(item)) {
            items.push(item.to_string());
        }
    }
    items
}

/// Checks an e-mail address.
pub fn email(text: &str) -> Result<(), BadValue> {
    let valid = text.parse::<email_address::EmailAddress>().is_ok()
        && text.rsplit_once('@').is_some_and(|(_, domain)| domain.contains('.'));
    if valid {
        Ok(())
    } else {
        Err(BadValue::new("not a valid e-mail address", "write it as name@example.org"))
    }
}

/// Picks one of `choices` by name, ignoring case, spaces, hyphens and punctuation.
pub fn choice<T: Copy>(text: &str, choices: &[(T, &str)]) -> Result<T, BadValue> {
    let wanted = crate::intake::field::normalize_header(text);
    for (value, name) in choices {
        if crate::intake::field::normalize_header(name) == wanted {
            return Ok(*value);
        }
    }
    let names: Vec<&str> = choices.iter().map(|(_, name)| *name).collect();
    Err(BadValue::new(
        "not one of the allowed values",
        format!("use one of: {}", names.join(", ")),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_cell(s: &str) -> Data {
        Data::String(s.to_string())
    }

    #[test]
    fn dates_in_every_accepted_form() {
        let want = NaiveDate::from_ymd_opt(2027, 1, 15);
        for form in [
            "2027-01-15",
            "1/15/2027",
            "01/15/2027",
            "January 15, 2027",
            "Jan 15 2027",
            "15 January 2027",
            "2027-01-15T00:00:00",
        ] {
            assert_eq!(date(&text_cell(form)).unwrap(), want, "{form}");
        }
        assert!(date(&text_cell("13/45/2027")).is_err());
        assert!(date(&Data::Float(46402.0)).is_err());
        assert_eq!(date(&Data::Empty).unwrap(), None);
    }

    #[test]
    fn money_from_numbers_and_text() {
        assert_eq!(money(&Data::Float(12500.0)).unwrap(), Money(1_250_000));
        assert_eq!(money(&text_cell("$12,500.00")).unwrap(), Money(1_250_000));
        assert_eq!(money(&text_cell("12,500")).unwrap(), Money(1_250_000));
        assert_eq!(money(&text_cell("0.5")).unwrap(), Money(50));
        assert_eq!(money(&Data::Empty).unwrap(), Money(0));
        assert_eq!(
            money(&text_cell("-500")).unwrap_err().problem,
            "the amount is negative"
        );
        assert_eq!(
            money(&Data::Float(-1.0)).unwrap_err().problem,
            "the amount is negative"
        );
        assert!(money(&text_cell("1,25,00")).is_err());
        assert!(money(&text_cell("lots")).is_err());
        assert!(money(&text_cell("$5.123")).is_err());
    }

    #[test]
    fn whole_numbers_refuse_fractions() {
        assert_eq!(whole_number(&Data::Float(120.0)).unwrap(), Some(120));
        assert_eq!(whole_number(&text_cell("1,200")).unwrap(), Some(1200));
        assert!(whole_number(&Data::Float(12.5)).is_err());
        assert!(number(&text_cell("lots")).is_err());
        assert!(number(&Data::Float(-2.0)).is_err());
    }

    #[test]
    fn error_cells_are_bad_values() {
        let err = text(&Data::Error(calamine::CellErrorType::Ref)).unwrap_err();
        assert!(err.problem.contains("#REF!"), "{}", err.problem);
    }

    #[test]
    fn lists_split_on_separators_and_line_breaks() {
        assert_eq!(
            list("Lincoln; Jefferson,\nAdams\n\n; lincoln"),
            ["Lincoln", "Jefferson", "Adams"]
        );
    }

    #[test]
    fn text_loses_characters_xml_cannot_hold() {
        assert_eq!(clean_text("a\u{b}b\r\nc\u{0}d\u{FFFE}\u{1b}"), "a\nb\ncd");
        assert_eq!(clean_text("emoji 🎉 and עברית"), "emoji 🎉 and עברית");
    }

    #[test]
    fn emails_are_checked() {
        assert!(email("jane.doe@example.org").is_ok());
        assert!(email("jane.doe@").is_err());
        assert!(email("jane doe@example.org").is_err());
        assert!(email("jane@localhost").is_err());
    }

    #[test]
    fn choices_ignore_case_and_punctuation() {
        let choices = [(1, "de-identified"), (2, "student-level")];
        assert_eq!(choice("Student Level", &choices).unwrap(), 2);
        assert_eq!(choice("DEIDENTIFIED", &choices).unwrap(), 1);
        assert!(choice("names", &choices).is_err());
    }
}
