// The plain script-tag build: dist/leadbeam.js, no CMP adapter inside.
import { boot } from './script';

boot();
