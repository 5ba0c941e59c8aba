//! Problems found in the inputs, each pinned to the place staff can fix it.

use std::fmt;

use serde::Serialize;

/// One thing wrong with an input file or row.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Problem {
    /// The file name relative to the inputs folder.
    pub file: String,
    /// The sheet, or empty when the whole file is at fault.
    pub sheet: String,
    /// The row as the spreadsheet shows it, when one row is at fault.
    pub row: Option<u32>,
    /// The column header as written, when one cell is at fault.
    pub column: String,
    /// The cell's value as text.
    pub value: String,
    /// What is wrong.
    pub problem: String,
    /// How to fix it, when there is something to say.
    pub hint: Option<String>,
    /// The value is contact details or a description, so it is left out of what is printed
    /// (it still goes to `rejected.csv`, where staff fix it).
    #[serde(skip)]
    pub sensitive: bool,
}

impl Problem {
    /// A problem with a whole file.
    pub fn file(file: &str, problem: impl Into<String>) -> Problem {
        Problem {
            file: file.to_string(),
            sheet: String::new(),
            row: None,
            column: String::new(),
            value: String::new(),
            problem: problem.into(),
            hint: None,
            sensitive: false,
        }
    }

    /// A problem with a whole sheet.
    pub fn sheet(file: &str, sheet: &str, problem: impl Into<String>) -> Problem {
        Problem { sheet: sheet.to_string(), ..Problem::file(file, problem) }
    }

    /// Adds a hint on how to fix the problem.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Problem {
        self.hint = Some(hint.into());
        self
    }

    /// The problem and its hint in one line, as written to `rejected.csv`.
    pub fn problem_with_hint(&self) -> String {
        match &self.hint {
            Some(hint) => format!("{} (hint: {hint})", self.problem),
            None => self.problem.clone(),
        }
    }
}

impl fmt::Display for Problem {
    /// Formats as `file, sheet S, row R, column "C": problem`, then an indented hint line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if !self.sheet.is_empty() {
            write!(f, ", sheet {}", self.sheet)?;
        }
        if let Some(row) = self.row {
            write!(f, ", row {row}")?;
        }
        if !self.column.is_empty() {
            write!(f, ", column \"{}\"", self.column)?;
        }
        write!(f, ": {}", self.problem)?;
        if !self.value.is_empty() && !self.sensitive {
            write!(f, " (value: {})", quote_value(&self.value))?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// Shows a value on one line, its line breaks visible, cut short when long.
fn quote_value(value: &str) -> String {
    let one_line = value.replace('\r', "").replace('\n', "\\n");
    let mut chars = one_line.chars();
    let short: String = chars.by_ref().take(80).collect();
    if chars.next().is_some() {
        format!("\"{short}...\"")
    } else {
        format!("\"{short}\"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_every_place() {
        let problem = Problem {
            row: Some(7),
            column: "Start Date".into(),
            value: "13/45/2027".into(),
            ..Problem::sheet("in.xlsx", "Partnerships", "not a date")
        }
        .with_hint("write dates as 2027-01-15");
        let text = problem.to_string();
        assert_eq!(
            text,
            "in.xlsx, sheet Partnerships, row 7, column \"Start Date\": not a date \
             (value: \"13/45/2027\")\n  hint: write dates as 2027-01-15"
        );
    }
}
