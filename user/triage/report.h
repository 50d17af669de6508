/* triage's report: the findings of triage_findings.h rendered as plain
 * text for the terminal, Markdown, one HTML file, or JSON. */
#ifndef SRE_TRIAGE_REPORT_H
#define SRE_TRIAGE_REPORT_H

#include <stdio.h>
#include "triage/findings.h"

/* The summary: plain text for the terminal, Markdown for report.md. */
int sre_triage_print_text(FILE *f, const struct sre_triage_data *d, const struct sre_triage_thresholds *th);
int sre_triage_print_markdown(FILE *f, const struct sre_triage_data *d, const struct sre_triage_thresholds *th);
/* report.html: one self-contained page (no network): findings, a chart
 * of where the time went, the tables, and the flame graphs from dir
 * inline, zoomable and searchable (triage/report_html.c). */
int sre_triage_print_html(FILE *f, const struct sre_triage_data *d, const struct sre_triage_thresholds *th,
			  const char *dir);
/* findings.json: the time accounting and the ranked findings, for tools. */
void sre_triage_print_json(FILE *f, const struct sre_triage_data *d, const struct sre_triage_thresholds *th);

#endif
