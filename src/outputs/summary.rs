//! `summary.csv`: one row per accepted partnership with its intensity, the level of each
//! criterion and what the level requires.

use std::io::Write;

use crate::intake::Partnership;
use crate::rubric::{Assessment, Criterion};

/// The columns every `summary.csv` starts with, in order.
pub const COLUMNS: [&str; 19] = [
    "partnership_id",
    "partner_name",
    "program_name",
    "intensity",
    "computed_intensity",
    "points",
    "scope_level",
    "contact_time_level",
    "schools_level",
    "resources_level",
    "data_level",
    "duration_level",
    "priorities_level",
    "board_notification",
    "board_approval",
    "contract_review",
    "data_agreement",
    "review_date",
    "source",
];

/// A column a later stage appends, e.g. the path of each document written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtraColumn {
    /// The column's header.
    pub header: String,
    /// One cell per summary row, in row order; missing cells are left empty.
    pub cells: Vec<String>,
}

/// Writes the summary: [`COLUMNS`], one row per partnership, in the order given.
pub fn write_summary(
    out: &mut dyn Write,
    rows: &[(&Partnership, &Assessment)],
) -> csv::Result<()> {
    write_summary_with(out, rows, &[])
}

/// Writes the summary with each `extra` column after [`COLUMNS`].
///
/// A criterion left out of the rubric has an empty level cell.
pub fn write_summary_with(
    out: &mut dyn Write,
    rows: &[(&Partnership, &Assessment)],
    extra: &[ExtraColumn],
) -> csv::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    let headers = extra.iter().map(|column| column.header.as_str());
    writer.write_record(COLUMNS.into_iter().chain(headers))?;

    for (index, (partnership, assessment)) in rows.iter().enumerate() {
        let mut record = summary_row(partnership, assessment);
        let cell =
            |column: &ExtraColumn| column.cells.get(index).cloned().unwrap_or_default();
        record.extend(extra.iter().map(cell));
        writer.write_record(&record)?;
    }
    writer.flush()?;
    Ok(())
}

/// The [`COLUMNS`] cells of one partnership.
fn summary_row(p: &Partnership, a: &Assessment) -> Vec<String> {
    let level = |criterion| a.criterion(criterion).map(|s| s.level.to_string());
    let mut row = vec![
        p.partnership_id.clone(),
        p.partner_name.clone(),
        p.program_name.clone(),
        a.intensity.to_string(),
        a.computed_intensity.to_string(),
        a.points.to_string(),
    ];
    row.extend(Criterion::ALL.map(|criterion| level(criterion).unwrap_or_default()));

    let r = &a.routing;
    row.extend([
        r.board_notification.to_string(),
        r.board_approval.to_string(),
        r.contract_review.to_string(),
        r.data_agreement.to_string(),
        r.review_date.to_string(),
        p.source.to_string(),
    ]);
    row
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::NaiveDate;

    use super::*;
    use crate::config::Config;
    use crate::intake::{DataShared, Money, ProgramScope, Source};
    use crate::level::Level;
    use crate::rubric::assess;

    fn partnership() -> Partnership {
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        Partnership {
            partnership_id: "P-014".into(),
            program_name: "Reading Buddies".into(),
            partner_name: "Riverside Public Library".into(),
            partner_type: None,
            partner_contact: None,
            partner_email: None,
            partner_phone: None,
            partner_address: None,
            district_lead: "J. Rivera".into(),
            schools: vec!["Lincoln Elementary".into(), "Adams Elementary".into()],
            district_wide: false,
            program_description: None,
            district_priorities: vec!["Early literacy".into()],
            program_scope: ProgramScope::Supplemental,
            start_date: date(2024, 9, 1),
            end_date: date(2025, 6, 13),
            students_served: 80,
            contact_hours_per_week: 3.0,
            district_funds: Money(250_000),
            partner_funds: Money(0),
            in_kind_value: Money(0),
            data_shared: DataShared::StudentLevel,
            board_meeting: None,
            intensity_override: Some(Level::High),
            override_reason: Some("Board recategorized".into()),
            extra: BTreeMap::new(),
            decisions: Vec::new(),
            source: Source {
                file: "fall.xlsx".into(),
                sheet: "Partnerships".into(),
                row: 7,
            },
        }
    }

    #[test]
    fn writes_the_columns_in_order_with_levels_flags_and_source() {
        let p = partnership();
        let a = assess(&p, &Config::defaults().unwrap());
        let mut out = Vec::new();
        write_summary(&mut out, &[(&p, &a)]).unwrap();
        let text = String::from_utf8(out).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some(COLUMNS.join(",").as_str()));
        assert_eq!(
            lines.next(),
            Some(
                "P-014,Riverside Public Library,Reading Buddies,high,medium,14,\
                 medium,medium,medium,low,high,medium,medium,\
                 true,true,true,true,2025-06-13,\
                 \"fall.xlsx, sheet Partnerships, row 7\""
            )
        );
        assert_eq!(lines.next(), None);
    }

    #[test]
    fn extra_columns_follow_and_missing_cells_are_empty() {
        let p = partnership();
        let a = assess(&p, &Config::defaults().unwrap());
        let extra = [ExtraColumn { header: "moa_path".into(), cells: Vec::new() }];
        let mut out = Vec::new();
        write_summary_with(&mut out, &[(&p, &a)], &extra).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.lines().next().unwrap().ends_with(",source,moa_path"));
        assert!(text.lines().nth(1).unwrap().ends_with("row 7\","));
    }

    #[test]
    fn a_removed_criterion_leaves_its_level_empty() {
        let config =
            Config::from_toml("[rubric.criteria.priorities]\nenabled = false\n", "t.toml")
                .unwrap();
        let p = partnership();
        let a = assess(&p, &config);
        let mut out = Vec::new();
        write_summary(&mut out, &[(&p, &a)]).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains(",medium,,true,"), "{text}");
    }
}
