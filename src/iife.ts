// The plain script-tag build: dist/leadbeam.js, no CMP adapter inside.
import { guard, warn } from './log';
import { boot } from './script';

// The bootstrap is an entry point too: whatever page it meets, nothing reaches that page.
// An adapter asked for here would be ignored without a word (and a strict-mode site would then never send).
guard(boot)({ started: (_, options) => options.consentSource && warn('data-consent-source needs dist/leadbeam.cmp.js') });
