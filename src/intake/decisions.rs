//! Reading the Decisions sheet: the rows of each partnership's Decision-Making Matrix.

use calamine::Data;

use crate::intake::field::DecisionField;
use crate::intake::header::ColumnMap;
use crate::intake::problem::Problem;
use crate::intake::record::{Decision, Source};
use crate::intake::sheets::Sheet;
use crate::intake::value;

/// A Decisions row and the partnership it belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct DecisionRow {
    pub partnership_id: String,
    pub decision: Decision,
}

/// Checks row number `row` of a Decisions sheet.
pub fn read_decision(
    sheet: &Sheet,
    map: &ColumnMap<DecisionField>,
    row: u32,
    cells: &[Data],
) -> Result<DecisionRow, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut read = |field: DecisionField| -> String {
        let Some((column, header)) = map.find(field) else {
            return String::new();
        };
        let cell = cells.get(column).unwrap_or(&Data::Empty);
        let problem = |problem: String, hint: &str| Problem {
            file: sheet.file.clone(),
            sheet: sheet.sheet.clone(),
            row: Some(row),
            column: header.to_string(),
            value: value::clean_text(&value::display(cell)),
            problem,
            hint: Some(hint.to_string()),
            sensitive: false,
        };
        match value::text(cell) {
            Ok(Some(text)) => text,
            Ok(None) if field.is_required() => {
                let message = format!("{} is required but the cell is empty", field.name());
                problems.push(problem(message, "fill in the cell, or delete the row"));
                String::new()
            }
            Ok(None) => String::new(),
            Err(bad) => {
                problems
                    .push(problem(bad.problem, bad.hint.as_deref().unwrap_or_default()));
                String::new()
            }
        }
    };
    let partnership_id = read(DecisionField::PartnershipId);
    let decision = Decision {
        decision: read(DecisionField::Decision),
        district_role: read(DecisionField::DistrictRole),
        partner_role: read(DecisionField::PartnerRole),
        notes: read(DecisionField::Notes),
        source: Source { file: sheet.file.clone(), sheet: sheet.sheet.clone(), row },
    };
    if problems.is_empty() {
        Ok(DecisionRow { partnership_id, decision })
    } else {
        Err(problems)
    }
}
