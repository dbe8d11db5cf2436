// Package reports builds the clinic's reports over any period (a day, week, month, quarter,
// year or two dates), in the clinic's time zone and the reader's language: attendance,
// morbidity (the outpatient morbidity return), revenue, pharmacy and appointments; the home
// dashboard (this month against last month); and the DHIS2 dataValueSets export of a
// configured data set. The daily report of the cash drawer stays in internal/billing.
//
// Every report has one shape (Report: figures and sections of rows and columns), which the
// screen draws, the CSV writes and the PDF prints, and whose cells the DHIS2 mapping names
// (report, section, row, column). Each report reads one snapshot (db.BeginSnapshot), so its
// figures agree with each other.
//
// Speed: queries over the write path's tables with covering indexes (migrations 0035, 0044,
// 0049), a per-day cache of the big reports (daycache.go) and a summary of the open bills for
// the aged debts (debts.go, migration 0048), both kept by triggers in the writers' transactions:
// see README "Reports" and bench/reports for the figures.
package reports
