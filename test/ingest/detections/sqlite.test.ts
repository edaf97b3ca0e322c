/**
 * The detections suites on the default store: an SQLite file in a temp dir.
 */
import { apiSuite } from './api-suite.js';
import { checklistSuite } from './checklist-suite.js';
import { sqliteBackend } from './harness.js';
import { storeSuite } from './store-suite.js';

checklistSuite(sqliteBackend);
storeSuite(sqliteBackend);
apiSuite(sqliteBackend);
