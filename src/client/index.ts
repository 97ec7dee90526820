// Filled by the client issue.
export {};
