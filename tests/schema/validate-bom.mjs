#!/usr/bin/env node
// Validates CycloneDX 1.6 BOMs against the official JSON schema, offline.
//
//   node validate-bom.mjs BOM.json...               must all be valid
//   node validate-bom.mjs --expect-invalid BOM.json...  must all be invalid
//   node validate-bom.mjs --self-test               the valid-* / ml-bad-* examples
//                                                   in cyclonedx-1.6/ (for ctest)
// A file name of "-" reads standard input. Exits 0 when every document is as
// expected, 1 otherwise, 2 on usage errors.
//
// The schemas (bom-1.6 with its spdx and jsf references, JSON Schema
// draft-07) come from cyclonedx-1.6/ beside this script; nothing is fetched.
// Formats are checked as CycloneDX's own validator (@cyclonedx/cyclonedx-
// library) checks them: ajv-formats plus ajv-formats-draft2019 for
// idn-email and iri-reference.
//
// Beyond the schema, modelgate BOMs (those whose metadata.tools name
// modelgate) are checked for what the schema cannot say: bom-refs unique, every
// dependency and dataset ref resolves, the model component is
// machine-learning-model.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import addFormats2019 from 'ajv-formats-draft2019';

const here = dirname(fileURLToPath(import.meta.url));
const schemaDir = join(here, 'cyclonedx-1.6');
const load = (name) => JSON.parse(readFileSync(join(schemaDir, name), 'utf8'));

// strict: false because the CycloneDX schema uses annotation keywords ajv
// does not know ("meta:enum", "deprecated" in places).
const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: true });
addFormats(ajv);
addFormats2019(ajv, { formats: ['idn-email', 'iri-reference'] });
ajv.addSchema(load('spdx.schema.json'), 'spdx.schema.json');
ajv.addSchema(load('jsf-0.82.schema.json'), 'jsf-0.82.schema.json');
const validateBomSchema = ajv.compile(load('bom-1.6.schema.json'));

function modelgateChecks(doc) {
  const errors = [];
  const tools = doc.metadata?.tools?.components ?? [];
  if (!tools.some((t) => t.name === 'modelgate')) return errors;
  const refs = new Map();
  const visit = (c, where) => {
    if (c['bom-ref'] !== undefined) {
      if (refs.has(c['bom-ref'])) errors.push(`${where} duplicate bom-ref ${c['bom-ref']}`);
      refs.set(c['bom-ref'], c);
    }
    (c.components ?? []).forEach((sub, i) => visit(sub, `${where}/components/${i}`));
  };
  (doc.components ?? []).forEach((c, i) => visit(c, `/components/${i}`));
  const model = refs.get('model');
  if (!model || model.type !== 'machine-learning-model') errors.push('no machine-learning-model component "model"');
  (doc.dependencies ?? []).forEach((d, i) => {
    if (!refs.has(d.ref)) errors.push(`/dependencies/${i} ref ${d.ref} does not resolve`);
    for (const r of d.dependsOn ?? []) {
      if (!refs.has(r)) errors.push(`/dependencies/${i} dependsOn ${r} does not resolve`);
    }
  });
  for (const ds of model?.modelCard?.modelParameters?.datasets ?? []) {
    if (ds.ref !== undefined && refs.get(ds.ref)?.type !== 'data') errors.push(`dataset ref ${ds.ref} is not a data component`);
  }
  if (doc.specVersion !== '1.6') errors.push('specVersion is not 1.6');
  return errors;
}

// Returns a list of problems; empty when the document is a valid BOM.
export function checkBom(doc) {
  if (!validateBomSchema(doc)) return validateBomSchema.errors.map((e) => `${e.instancePath || '/'} ${e.message}`);
  return modelgateChecks(doc);
}

function readDoc(name) {
  return JSON.parse(readFileSync(name === '-' ? 0 : name, 'utf8'));
}

function selfTest() {
  const names = readdirSync(schemaDir).filter((n) => n.endsWith('.json') && !n.endsWith('.schema.json')).sort();
  let passed = 0;
  let failed = 0;
  for (const name of names) {
    const shouldPass = !name.startsWith('ml-bad-');
    const errors = checkBom(readDoc(join(schemaDir, name)));
    if ((errors.length === 0) === shouldPass) {
      passed += 1;
    } else {
      failed += 1;
      console.error(`FAIL ${name}: expected ${shouldPass ? 'valid' : 'invalid'}, got ${errors.length ? errors.slice(0, 5).join('; ') : 'valid'}`);
    }
  }
  // Mutations of a minimal modelgate BOM: the extra checks must be able to fail.
  const good = () => ({
    bomFormat: 'CycloneDX', specVersion: '1.6', version: 1,
    metadata: { tools: { components: [{ type: 'application', name: 'modelgate', version: '0' }] } },
    components: [
      { 'bom-ref': 'model', type: 'machine-learning-model', name: 'm',
        modelCard: { modelParameters: { datasets: [{ ref: 'dataset:d' }] } } },
      { 'bom-ref': 'file:a', type: 'file', name: 'a', hashes: [{ alg: 'SHA-256', content: 'ab'.repeat(32) }] },
      { 'bom-ref': 'dataset:d', type: 'data', name: 'd' },
    ],
    dependencies: [{ ref: 'model', dependsOn: ['file:a'] }],
  });
  const cases = [
    ['modelgate: minimal', good(), true],
    ['modelgate: duplicate bom-ref', (() => { const d = good(); d.components[2]['bom-ref'] = 'file:a'; return d; })(), false],
    ['modelgate: dangling dependency', (() => { const d = good(); d.dependencies[0].dependsOn.push('file:b'); return d; })(), false],
    ['modelgate: dataset ref to a file', (() => { const d = good(); d.components[0].modelCard.modelParameters.datasets[0].ref = 'file:a'; return d; })(), false],
    ['modelgate: short hash', (() => { const d = good(); d.components[1].hashes[0].content = 'abc'; return d; })(), false],
    ['modelgate: unknown property', (() => { const d = good(); d.components[1].size = 3; return d; })(), false],
  ];
  for (const [name, doc, shouldPass] of cases) {
    const errors = checkBom(doc);
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
  const usage = 'usage: validate-bom.mjs --self-test | [--expect-invalid] FILE...';
  if (argv[0] === '--self-test' && argv.length === 1) {
    const [passed, failed] = selfTest();
    console.log(`${passed} passed, ${failed} failed`);
    return failed === 0 ? 0 : 1;
  }
  const expectInvalid = argv[0] === '--expect-invalid';
  const files = expectInvalid ? argv.slice(1) : argv;
  if (files.length === 0 || files.some((f) => f.startsWith('--') )) {
    console.error(usage);
    return 2;
  }
  let passed = 0;
  let failed = 0;
  for (const name of files) {
    let errors;
    try {
      errors = checkBom(readDoc(name));
    } catch (e) {
      errors = [`cannot read or parse: ${e.message}`];
    }
    if ((errors.length === 0) !== expectInvalid) {
      passed += 1;
    } else {
      failed += 1;
      console.error(`${name}: ${expectInvalid ? 'valid, expected invalid' : 'invalid'}`);
      for (const err of errors.slice(0, 20)) console.error(`  ${err}`);
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
