// The plain script-tag build: dist/leadbeam.js, no CMP adapter inside.
import { guard } from './log';
import { boot } from './script';

// The bootstrap is an entry point too: whatever page it meets, nothing reaches that page.
guard(() => boot())();
