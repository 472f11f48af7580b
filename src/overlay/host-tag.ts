/** The overlay's element (its shadow root's host): the page's side knows it without loading the overlay. */
export const HOST_TAG = 'trace-agent-overlay';
