#!/usr/bin/env node
// Validates modelgate reports against their schemas, offline.
//
//   node validate.mjs --json REPORT.json...    scan reports vs docs/schema/scan-report-v1.schema.json
//   node validate.mjs --sarif REPORT.sarif...  SARIF logs vs the SARIF 2.1.0 schema + GitHub rules
//   node validate.mjs --self-test              known-good and known-bad documents (for ctest)
// A file name of "-" reads standard input. Exits 0 when every document is as
// expected, 1 otherwise, 2 on usage errors. Nothing is fetched: both schemas
// come from disk (ours from docs/, SARIF's from the @microsoft/jest-sarif
// package installed by scripts/install-deps with `npm ci`).
//
// Beyond the schemas it checks what the schemas cannot: summary counts agree
// with the files, verdicts agree with fail_on, and SARIF results follow the
// subset GitHub code scanning accepts (ruleIndex points at the rule with that
// id, unique rule ids, a location with a relative-or-file URI, a numeric
// security-severity, partial fingerprints).

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import Ajv2020 from 'ajv/dist/2020.js';
import AjvDraft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

const reportSchema = JSON.parse(
  readFileSync(join(here, '..', '..', 'docs', 'schema', 'scan-report-v1.schema.json'), 'utf8'));
// The OASIS SARIF 2.1.0 schema (final "rtm.5" text, JSON Schema draft-04).
const sarifSchema = require('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');

const ajvReport = new Ajv2020({ allErrors: true, strict: true });
addFormats(ajvReport);
const validateReportSchema = ajvReport.compile(reportSchema);

// The SARIF schema predates strict mode (unknown keywords such as "id"), and
// its "language" pattern has a stray ']' that is only legal without the
// RegExp 'u' flag.
const ajvSarif = new AjvDraft04({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats(ajvSarif);
const validateSarifSchema = ajvSarif.compile(sarifSchema);

const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'];
const rank = (s) => SEVERITIES.indexOf(s);

function schemaErrors(validate, doc) {
  if (validate(doc)) return [];
  return validate.errors.map((e) => `${e.instancePath || '/'} ${e.message}`);
}

// Returns a list of problems; empty when the document is a valid scan report.
export function checkReport(doc) {
  const errors = schemaErrors(validateReportSchema, doc);
  if (errors.length > 0) return errors;
  const counts = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
  let failed = 0;
  let findings = 0;
  doc.files.forEach((file, i) => {
    let max = null;
    for (const f of file.findings) {
      counts[f.severity] += 1;
      findings += 1;
      if (max === null || rank(f.severity) > rank(max)) max = f.severity;
    }
    if (file.max_severity !== max) errors.push(`/files/${i} max_severity ${file.max_severity}, expected ${max}`);
    const fails = max !== null && rank(max) >= rank(doc.fail_on);
    if (file.verdict !== (fails ? 'fail' : 'pass')) errors.push(`/files/${i} verdict disagrees with fail_on`);
    if (fails) failed += 1;
  });
  if (doc.summary.files !== doc.files.length) errors.push('/summary/files does not match files');
  if (doc.summary.files_failed !== failed) errors.push('/summary/files_failed does not match files');
  if (doc.summary.findings !== findings) errors.push('/summary/findings does not match files');
  for (const s of SEVERITIES) {
    if (doc.summary.by_severity[s] !== counts[s]) errors.push(`/summary/by_severity/${s} does not match files`);
  }
  if (doc.verdict !== (failed > 0 ? 'fail' : 'pass')) errors.push('/verdict disagrees with files');
  return errors;
}

// Returns a list of problems; empty when the document is a valid SARIF log
// in the shape GitHub code scanning ingests.
export function checkSarif(doc) {
  const errors = schemaErrors(validateSarifSchema, doc);
  if (errors.length > 0) return errors;
  if (doc.version !== '2.1.0') errors.push('/version must be 2.1.0');
  doc.runs.forEach((run, r) => {
    const rules = run.tool.driver.rules ?? [];
    const ids = new Set();
    rules.forEach((rule, i) => {
      if (ids.has(rule.id)) errors.push(`/runs/${r}/tool/driver/rules/${i} duplicate id ${rule.id}`);
      ids.add(rule.id);
      const score = Number(rule.properties?.['security-severity']);
      if (!(score >= 0 && score <= 10)) errors.push(`/runs/${r}/tool/driver/rules/${i} security-severity not in 0..10`);
      if (!rule.shortDescription?.text) errors.push(`/runs/${r}/tool/driver/rules/${i} no shortDescription`);
    });
    (run.results ?? []).forEach((res, i) => {
      const at = `/runs/${r}/results/${i}`;
      if (!Number.isInteger(res.ruleIndex) || rules[res.ruleIndex]?.id !== res.ruleId) {
        errors.push(`${at} ruleIndex does not point at rule ${res.ruleId}`);
      }
      const uri = res.locations?.[0]?.physicalLocation?.artifactLocation?.uri;
      if (typeof uri !== 'string' || uri.length === 0) {
        errors.push(`${at} has no physicalLocation.artifactLocation.uri`);
      } else if (uri.includes('\\') || /^[A-Za-z]:/.test(uri) || uri.startsWith('./')) {
        errors.push(`${at} uri ${uri} is not a normalised relative or file: URI`);
      }
      if (!res.partialFingerprints || Object.keys(res.partialFingerprints).length === 0) {
        errors.push(`${at} has no partialFingerprints`);
      }
    });
  });
  return errors;
}

function readDoc(name) {
  const text = readFileSync(name === '-' ? 0 : name, 'utf8');
  return JSON.parse(text);
}

// ---- self-test: documents that must pass and mutations that must fail ----

function goodReport() {
  return {
    schema: 'https://modelgate.dev/schemas/scan-report/v1.json',
    schema_version: 1,
    tool: { name: 'modelgate', version: '0.1.0' },
    fail_on: 'high',
    verdict: 'fail',
    summary: { files: 2, files_failed: 1, findings: 1, by_severity: { critical: 1, high: 0, medium: 0, low: 0, info: 0 } },
    files: [
      {
        path: 'models/evil.pt', format: 'pytorch-zip', size: 2048, max_severity: 'critical', verdict: 'fail',
        findings: [{
          id: 'PICKLE-CALL-DENYLISTED', severity: 'critical', title: 'Pickle calls os.system', path: 'models/evil.pt',
          member: 'evil/data.pkl', offset: 418, detail: 'Runs a shell command at load.', evidence: { global: 'os.system' },
        }],
      },
      { path: 'models/ok.safetensors', format: 'safetensors', size: 10, max_severity: null, verdict: 'pass', findings: [] },
    ],
    elapsed_seconds: 0.25,
  };
}

function goodSarif() {
  return {
    $schema: 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: { driver: {
        name: 'modelgate', informationUri: 'https://modelgate.dev', version: '0.1.0',
        rules: [{
          id: 'PICKLE-CALL-DENYLISTED', shortDescription: { text: 'Pickle calls os.system' },
          fullDescription: { text: 'Runs a shell command at load.' },
          helpUri: 'https://modelgate.dev/docs/findings.md#pickle-call-denylisted',
          defaultConfiguration: { level: 'error' }, properties: { 'security-severity': '9.5', tags: ['security'] },
        }],
      } },
      results: [{
        ruleId: 'PICKLE-CALL-DENYLISTED', ruleIndex: 0, level: 'error', message: { text: 'Pickle calls os.system' },
        locations: [{
          physicalLocation: { artifactLocation: { uri: 'models/evil.pt' }, region: { startLine: 1 } },
          logicalLocations: [{ name: 'data.pkl', fullyQualifiedName: 'evil/data.pkl' }],
        }],
        partialFingerprints: { 'modelgateFinding/v1': '0123456789abcdef' },
      }],
    }],
  };
}

function selfTest() {
  const cases = [
    ['report: valid', checkReport, goodReport(), true],
    ['report: missing schema_version', checkReport, (({ schema_version, ...d }) => d)(goodReport()), false],
    ['report: unknown severity', checkReport, (() => { const d = goodReport(); d.files[0].findings[0].severity = 'severe'; return d; })(), false],
    ['report: lower-case id', checkReport, (() => { const d = goodReport(); d.files[0].findings[0].id = 'pickle-x'; return d; })(), false],
    ['report: negative offset', checkReport, (() => { const d = goodReport(); d.files[0].findings[0].offset = -1; return d; })(), false],
    ['report: non-string evidence', checkReport, (() => { const d = goodReport(); d.files[0].findings[0].evidence.n = 3; return d; })(), false],
    ['report: extra key', checkReport, { ...goodReport(), surprise: true }, false],
    ['report: summary disagrees', checkReport, (() => { const d = goodReport(); d.summary.by_severity.critical = 0; return d; })(), false],
    ['report: verdict disagrees', checkReport, { ...goodReport(), verdict: 'pass' }, false],
    ['sarif: valid', checkSarif, goodSarif(), true],
    ['sarif: wrong version', checkSarif, { ...goodSarif(), version: '2.0.0' }, false],
    ['sarif: result without message', checkSarif, (() => { const d = goodSarif(); delete d.runs[0].results[0].message; return d; })(), false],
    ['sarif: bad level', checkSarif, (() => { const d = goodSarif(); d.runs[0].results[0].level = 'critical'; return d; })(), false],
    ['sarif: ruleIndex mismatch', checkSarif, (() => { const d = goodSarif(); d.runs[0].results[0].ruleIndex = 3; return d; })(), false],
    ['sarif: duplicate rule', checkSarif, (() => { const d = goodSarif(); d.runs[0].tool.driver.rules.push(d.runs[0].tool.driver.rules[0]); return d; })(), false],
    ['sarif: backslash uri', checkSarif, (() => { const d = goodSarif(); d.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri = 'models\\evil.pt'; return d; })(), false],
    ['sarif: no fingerprints', checkSarif, (() => { const d = goodSarif(); delete d.runs[0].results[0].partialFingerprints; return d; })(), false],
  ];
  let passed = 0;
  let failed = 0;
  for (const [name, check, doc, shouldPass] of cases) {
    const errors = check(doc);
    if ((errors.length === 0) === shouldPass) {
      passed += 1;
    } else {
      failed += 1;
      console.error(`FAIL ${name}: expected ${shouldPass ? 'valid' : 'invalid'}, got ${errors.length ? errors.join('; ') : 'valid'}`);
    }
  }
  return [passed, failed];
}

function main(argv) {
  const usage = 'usage: validate.mjs --self-test | --json FILE... | --sarif FILE...';
  if (argv[0] === '--self-test' && argv.length === 1) {
    const [passed, failed] = selfTest();
    console.log(`${passed} passed, ${failed} failed`);
    return failed === 0 ? 0 : 1;
  }
  if ((argv[0] !== '--json' && argv[0] !== '--sarif') || argv.length < 2) {
    console.error(usage);
    return 2;
  }
  const check = argv[0] === '--json' ? checkReport : checkSarif;
  let passed = 0;
  let failed = 0;
  for (const name of argv.slice(1)) {
    let errors;
    try {
      errors = check(readDoc(name));
    } catch (e) {
      errors = [`cannot read or parse: ${e.message}`];
    }
    if (errors.length === 0) {
      passed += 1;
    } else {
      failed += 1;
      console.error(`${name}: invalid`);
      for (const err of errors.slice(0, 20)) console.error(`  ${err}`);
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
