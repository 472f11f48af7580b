/**
 * The overlay's stylesheet, in parts by who uses them, adopted as one
 * constructable stylesheet by the shadow root (no <style> element, no inline
 * styles: a strict CSP allows it).
 */
import { OVERLAY_CSS as BASE_CSS } from './base';
import { LOG_CSS } from './log';
import { PANELS_CSS } from './panels';
import { SHELL_CSS } from './shell';

export const OVERLAY_CSS = [BASE_CSS, SHELL_CSS, LOG_CSS, PANELS_CSS].join('\n');
