//! The validated partnership record every later stage works from.

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use serde::Serialize;

use crate::level::Level;

/// Where a row came from: the file, the sheet and the row number the spreadsheet shows.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Source {
    /// The file name relative to the inputs folder.
    pub file: String,
    /// The sheet name; CSV files use the file stem.
    pub sheet: String,
    /// The 1-based row number as the spreadsheet program shows it.
    pub row: u32,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, sheet {}, row {}", self.file, self.sheet, self.row)
    }
}

/// The kind of program a partnership runs (the rubric's scope criterion).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProgramScope {
    Event,
    Enrichment,
    Supplemental,
    Instructional,
}

impl ProgramScope {
    /// Every scope, in the order the intake form lists them.
    pub const ALL: [ProgramScope; 4] = [
        ProgramScope::Event,
        ProgramScope::Enrichment,
        ProgramScope::Supplemental,
        ProgramScope::Instructional,
    ];

    /// The lowercase name used in spreadsheets and configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            ProgramScope::Event => "event",
            ProgramScope::Enrichment => "enrichment",
            ProgramScope::Supplemental => "supplemental",
            ProgramScope::Instructional => "instructional",
        }
    }
}

/// The most sensitive kind of student data the partnership shares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum DataShared {
    #[serde(rename = "none")]
    None,
    #[serde(rename = "aggregate")]
    Aggregate,
    #[serde(rename = "de-identified")]
    DeIdentified,
    #[serde(rename = "student-level")]
    StudentLevel,
}

impl DataShared {
    /// Every kind, least sensitive first.
    pub const ALL: [DataShared; 4] = [
        DataShared::None,
        DataShared::Aggregate,
        DataShared::DeIdentified,
        DataShared::StudentLevel,
    ];

    /// The name used in spreadsheets and configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            DataShared::None => "none",
            DataShared::Aggregate => "aggregate",
            DataShared::DeIdentified => "de-identified",
            DataShared::StudentLevel => "student-level",
        }
    }
}

impl fmt::Display for ProgramScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for DataShared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An amount of money in whole cents, never negative.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Money(pub u64);

impl Money {
    /// The amount in dollars, for arithmetic and templates.
    pub fn dollars(self) -> f64 {
        self.0 as f64 / 100.0
    }
}

impl std::ops::Add for Money {
    type Output = Money;

    fn add(self, other: Money) -> Money {
        Money(self.0.saturating_add(other.0))
    }
}

impl fmt::Display for Money {
    /// Formats as `$12,500.00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = (self.0 / 100).to_string();
        let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
        for (i, c) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        write!(f, "${}.{:02}", grouped, self.0 % 100)
    }
}

/// One row of a Decision-Making Matrix: who decides, who is consulted, who is informed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    pub decision: String,
    pub district_role: String,
    pub partner_role: String,
    pub notes: String,
    /// Where the row came from.
    pub source: Source,
}

/// One accepted partnership request, every field checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Partnership {
    pub partnership_id: String,
    pub program_name: String,
    pub partner_name: String,
    pub partner_type: Option<String>,
    pub partner_contact: Option<String>,
    pub partner_email: Option<String>,
    pub partner_phone: Option<String>,
    pub partner_address: Option<String>,
    pub district_lead: String,
    /// The schools as listed; `["District-wide"]` when `district_wide` is set.
    pub schools: Vec<String>,
    /// The request covers every school in the district.
    pub district_wide: bool,
    pub program_description: Option<String>,
    pub district_priorities: Vec<String>,
    pub program_scope: ProgramScope,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub students_served: u64,
    pub contact_hours_per_week: f64,
    pub district_funds: Money,
    pub partner_funds: Money,
    pub in_kind_value: Money,
    pub data_shared: DataShared,
    pub board_meeting: Option<NaiveDate>,
    pub intensity_override: Option<Level>,
    pub override_reason: Option<String>,
    /// Columns the schema does not know, by header as written, in column order.
    pub extra: BTreeMap<String, String>,
    /// Rows of the Decisions sheet for this partnership, in sheet order.
    pub decisions: Vec<Decision>,
    /// Where the row came from.
    pub source: Source,
}

impl Partnership {
    /// District funds, partner funds and in-kind value together.
    pub fn total_resources(&self) -> Money {
        self.district_funds + self.partner_funds + self.in_kind_value
    }

    /// Days from the start date to the end date.
    pub fn duration_days(&self) -> i64 {
        (self.end_date - self.start_date).num_days()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_formats_with_grouping_and_cents() {
        assert_eq!(Money(0).to_string(), "$0.00");
        assert_eq!(Money(1_250_000).to_string(), "$12,500.00");
        assert_eq!(Money(12_345_678_901).to_string(), "$123,456,789.01");
        assert_eq!(Money(99_999).to_string(), "$999.99");
    }
}
