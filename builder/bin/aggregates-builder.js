#!/usr/bin/env node
// Package bin for the builder: runs the TypeScript CLI through tsx's loader, on this process's streams.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli.ts');
const { processIo } = await import('../src/cli/cli-io.ts');
process.exitCode = await main(process.argv.slice(2), processIo());
