// Filled by the web issue.
export {};
