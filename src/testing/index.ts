// Filled by the testing issue.
export {};
