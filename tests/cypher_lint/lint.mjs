// Checks Cypher statements with Neo4j's own front end (@neo4j-cypher/language-support:
// its ANTLR parser plus Neo4j's semantic analysis compiled to JavaScript), as Cypher 5.
// stdin: a JSON list of statements. stdout: a JSON list, per statement, of its errors
// (unknown variables, functions or procedures, syntax, types...). Parameters are not
// declared here, so "parameter not defined" is not an error; warnings (labels or
// properties unknown to an empty database) are left out.
import { readFileSync } from 'node:fs';
import { lintCypherQuery, isNotParamError, testData } from '@neo4j-cypher/language-support';

// Neo4j's built-in functions and procedures, as the package's own tests describe a server
const schema = { functions: testData.mockSchema.functions, procedures: testData.mockSchema.procedures };
const ERROR = 1; // vscode-languageserver DiagnosticSeverity.Error
const statements = JSON.parse(readFileSync(0, 'utf8'));
const out = statements.map((statement) =>
  lintCypherQuery(statement, schema)
    .diagnostics.filter((d) => d.severity === ERROR && isNotParamError(d))
    .map((d) => d.message));
process.stdout.write(JSON.stringify(out));
