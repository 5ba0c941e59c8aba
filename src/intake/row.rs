//! Checking one row of the Partnerships sheet and turning it into a [`Partnership`].

use std::collections::BTreeMap;

use calamine::Data;

use crate::intake::field::Field;
use crate::intake::header::ColumnMap;
use crate::intake::problem::Problem;
use crate::intake::record::{DataShared, Money, Partnership, ProgramScope, Source};
use crate::intake::sheets::Sheet;
use crate::intake::value::{self, BadValue};
use crate::level::Level;

/// Collects every problem of one row while its fields are read.
pub struct RowCheck<'a> {
    sheet: &'a Sheet,
    map: &'a ColumnMap<Field>,
    cells: &'a [Data],
    row: u32,
    problems: Vec<Problem>,
}

impl<'a> RowCheck<'a> {
    /// Starts checking row number `row`.
    pub fn new(
        sheet: &'a Sheet,
        map: &'a ColumnMap<Field>,
        row: u32,
        cells: &'a [Data],
    ) -> Self {
        RowCheck { sheet, map, cells, row, problems: Vec::new() }
    }

    /// The cell of `field` and its header, when the sheet has the column.
    fn cell(&self, field: Field) -> Option<(&'a Data, &'a str)> {
        let (index, header) = self.map.find(field)?;
        Some((self.cells.get(index).unwrap_or(&Data::Empty), header))
    }

    /// Records a problem with the cell of `field`.
    fn report(&mut self, field: Field, bad: BadValue) {
        let (value, column) = match self.cell(field) {
            Some((cell, header)) => (value::display(cell), header.to_string()),
            None => (String::new(), field.name().to_string()),
        };
        self.problems.push(Problem {
            file: self.sheet.file.clone(),
            sheet: self.sheet.sheet.clone(),
            row: Some(self.row),
            column,
            value: value::clean_text(&value),
            problem: bad.problem,
            hint: bad.hint,
            sensitive: matches!(
                field,
                Field::PartnerContact
                    | Field::PartnerEmail
                    | Field::PartnerPhone
                    | Field::PartnerAddress
                    | Field::ProgramDescription
            ),
        });
    }

    /// Reads an optional field; a bad value is reported and read as absent.
    fn optional<T>(
        &mut self,
        field: Field,
        parse: impl Fn(&Data) -> Result<Option<T>, BadValue>,
    ) -> Option<T> {
        let (cell, _) = self.cell(field)?;
        match parse(cell) {
            Ok(value) => value,
            Err(bad) => {
                self.report(field, bad);
                None
            }
        }
    }

    /// Reads a required field; an empty cell is reported too.
    fn required<T>(
        &mut self,
        field: Field,
        parse: impl Fn(&Data) -> Result<Option<T>, BadValue>,
    ) -> Option<T> {
        let before = self.problems.len();
        let value = self.optional(field, parse);
        if value.is_none() && self.problems.len() == before {
            let bad = BadValue {
                problem: format!("{} is required but the cell is empty", field.name()),
                hint: Some(
                    "fill in the cell, or remove the row if the request was withdrawn"
                        .into(),
                ),
            };
            self.report(field, bad);
        }
        value
    }

    /// The text columns the schema does not know, by header as written.
    fn extras(&self) -> BTreeMap<String, String> {
        let mut extras = BTreeMap::new();
        for (index, header) in &self.map.extras {
            let text = self.cells.get(*index).map(value::display).unwrap_or_default();
            extras.insert(header.clone(), value::clean_text(text.trim()));
        }
        extras
    }
}

/// Checks row number `row`, returning the partnership or every problem found.
pub fn read_partnership(
    sheet: &Sheet,
    map: &ColumnMap<Field>,
    row: u32,
    cells: &[Data],
) -> Result<Partnership, Vec<Problem>> {
    let mut check = RowCheck::new(sheet, map, row, cells);
    let partnership = read_fields(&mut check);
    match partnership {
        Some(partnership) if check.problems.is_empty() => Ok(partnership),
        _ => Err(check.problems),
    }
}

fn read_fields(check: &mut RowCheck<'_>) -> Option<Partnership> {
    use Field as F;

    let partnership_id = check.required(F::PartnershipId, value::text);
    let program_name = check.required(F::ProgramName, value::text);
    let partner_name = check.required(F::PartnerName, value::text);
    let partner_type = check.optional(F::PartnerType, value::text);
    let partner_contact = check.optional(F::PartnerContact, value::text);
    let partner_email = check.optional(F::PartnerEmail, |cell| {
        let text = value::text(cell)?;
        text.map(|text| value::email(&text).map(|()| text)).transpose()
    });
    let partner_phone = check.optional(F::PartnerPhone, value::text);
    let partner_address = check.optional(F::PartnerAddress, value::text);
    let district_lead = check.required(F::DistrictLead, value::text);
    let schools = check.required(F::Schools, |cell| {
        Ok(value::text(cell)?.map(|t| value::list(&t)).filter(|list| !list.is_empty()))
    });
    let program_description = check.optional(F::ProgramDescription, value::text);
    let district_priorities = check
        .optional(F::DistrictPriorities, |cell| {
            Ok(value::text(cell)?.map(|t| value::list(&t)))
        })
        .unwrap_or_default();
    let program_scope = check.required(F::ProgramScope, |cell| choice(cell, &scopes()));
    let start_date = check.required(F::StartDate, value::date);
    let end_date = check.required(F::EndDate, value::date);
    let students_served = check.required(F::StudentsServed, value::whole_number);
    let contact_hours_per_week = check.required(F::ContactHoursPerWeek, value::number);
    let district_funds =
        check.optional(F::DistrictFunds, |cell| value::money(cell).map(Some));
    let partner_funds =
        check.optional(F::PartnerFunds, |cell| value::money(cell).map(Some));
    let in_kind_value = check.optional(F::InKindValue, |cell| value::money(cell).map(Some));
    let data_shared = check.required(F::DataShared, |cell| choice(cell, &data_kinds()));
    let board_meeting = check.optional(F::BoardMeeting, value::date);
    let intensity_override = check.optional(F::IntensityOverride, |cell| {
        choice(cell, &Level::ALL.map(|level| (level, level.as_str())))
    });
    let override_reason = check.optional(F::OverrideReason, value::text);

    if let (Some(start), Some(end)) = (start_date, end_date) {
        if end < start {
            check.report(
                F::EndDate,
                BadValue {
                    problem: format!("the end date is before the start date ({start})"),
                    hint: Some(
                        "check both dates; a one-day event starts and ends the same day"
                            .into(),
                    ),
                },
            );
        }
    }
    if intensity_override.is_some() && override_reason.is_none() {
        check.report(
            F::OverrideReason,
            BadValue {
                problem: "an intensity override needs a reason".into(),
                hint: Some(
                    "say who changed the level and why, e.g. the Board's decision".into(),
                ),
            },
        );
    }
    let (schools, district_wide) = district_wide(schools?);

    Some(Partnership {
        partnership_id: partnership_id?,
        program_name: program_name?,
        partner_name: partner_name?,
        partner_type,
        partner_contact,
        partner_email,
        partner_phone,
        partner_address,
        district_lead: district_lead?,
        schools,
        district_wide,
        program_description,
        district_priorities,
        program_scope: program_scope?,
        start_date: start_date?,
        end_date: end_date?,
        students_served: students_served?,
        contact_hours_per_week: contact_hours_per_week?,
        district_funds: district_funds.unwrap_or(Money(0)),
        partner_funds: partner_funds.unwrap_or(Money(0)),
        in_kind_value: in_kind_value.unwrap_or(Money(0)),
        data_shared: data_shared?,
        board_meeting,
        intensity_override,
        override_reason,
        extra: check.extras(),
        decisions: Vec::new(),
        source: Source {
            file: check.sheet.file.clone(),
            sheet: check.sheet.sheet.clone(),
            row: check.row,
        },
    })
}

fn scopes() -> [(ProgramScope, &'static str); 4] {
    ProgramScope::ALL.map(|scope| (scope, scope.as_str()))
}

fn data_kinds() -> [(DataShared, &'static str); 4] {
    DataShared::ALL.map(|kind| (kind, kind.as_str()))
}

/// Reads a cell naming one of `choices`; empty is absent.
fn choice<T: Copy>(cell: &Data, choices: &[(T, &str)]) -> Result<Option<T>, BadValue> {
    value::text(cell)?.map(|text| value::choice(&text, choices)).transpose()
}

/// Recognises `District-wide` among the schools; it stands for every school.
fn district_wide(schools: Vec<String>) -> (Vec<String>, bool) {
    let wide = schools.iter().any(|school| {
        matches!(
            crate::intake::field::normalize_header(school).as_str(),
            "districtwide" | "allschools"
        )
    });
    if wide {
        (vec!["District-wide".to_string()], true)
    } else {
        (schools, false)
    }
}
