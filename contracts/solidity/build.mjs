// Compiles the Solidity contracts of this folder twice, with pinned compilers from the npm
// registry and nothing else (no native binary, no network):
//   - to PolkaVM with `@parity/resolc` 0.3.0 (resolc as wasm, running `solc` 0.8.30's soljson
//     inside itself): build/<Name>.polkavm
//   - to EVM bytecode with `solc` 0.8.30: build/<Name>.evm
// and writes each contract's ABI (build/<Name>.abi.json) and the SHA-256 of every artefact
// (build/SHA256SUMS). `node build.mjs --check` compiles into memory and fails unless every
// committed artefact is reproduced byte for byte.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const solc = require('solc');
const resolc = require('@parity/resolc');

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'build');
const check = process.argv.includes('--check');

// The contracts deployed by the runtime's tests and the dev-network example. The interface is
// compiled as part of both (imported).
const SOURCES = ['QuantumRiskVault.sol', 'OracleProbe.sol'];
const CONTRACTS = { 'QuantumRiskVault.sol': 'QuantumRiskVault', 'OracleProbe.sol': 'OracleProbe' };

function sources() {
	const all = {};
	for (const file of [...SOURCES, 'IQuantumRiskOracle.sol']) {
		all[file] = { content: readFileSync(join(here, file), 'utf8') };
	}
	return all;
}

function failOnErrors(output, compiler) {
	const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
	if (errors.length > 0) {
		throw new Error(`${compiler}:\n${errors.map((e) => e.formattedMessage).join('\n')}`);
	}
}

function compileEvm() {
	const input = {
		language: 'Solidity',
		sources: sources(),
		settings: {
			optimizer: { enabled: true, runs: 200 },
			evmVersion: 'cancun',
			outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
		},
	};
	const output = JSON.parse(solc.compile(JSON.stringify(input), {
		import: (path) => ({ contents: readFileSync(join(here, path), 'utf8') }),
	}));
	failOnErrors(output, `solc ${solc.version()}`);
	return output;
}

async function compilePvm() {
	const output = await resolc.compile(sources());
	failOnErrors(output, `resolc ${resolc.version()}`);
	return output;
}

const artefacts = new Map();
const evm = compileEvm();
const pvm = await compilePvm();
for (const [file, name] of Object.entries(CONTRACTS)) {
	const e = evm.contracts[file][name];
	const p = pvm.contracts[file][name];
	artefacts.set(`${name}.evm`, Buffer.from(e.evm.bytecode.object, 'hex'));
	artefacts.set(`${name}.polkavm`, Buffer.from(p.evm.bytecode.object, 'hex'));
	artefacts.set(`${name}.abi.json`, Buffer.from(JSON.stringify(e.abi, null, 2) + '\n'));
}
const sums = [...artefacts.entries()]
	.filter(([name]) => !name.endsWith('.json'))
	.map(([name, bytes]) => `${createHash('sha256').update(bytes).digest('hex')}  ${name}`)
	.join('\n') + '\n';
artefacts.set('SHA256SUMS', Buffer.from(sums));

if (check) {
	let bad = 0;
	for (const [name, bytes] of artefacts) {
		const path = join(out, name);
		if (!existsSync(path) || !readFileSync(path).equals(bytes)) {
			console.error(`not reproduced: build/${name}`);
			bad += 1;
		}
	}
	if (bad > 0) process.exit(1);
	console.log(`every artefact reproduced byte for byte (resolc ${resolc.version()}, solc ${solc.version()})`);
} else {
	mkdirSync(out, { recursive: true });
	for (const [name, bytes] of artefacts) writeFileSync(join(out, name), bytes);
	process.stdout.write(sums);
}
