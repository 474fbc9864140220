/** Fixed so that the same inputs give the same launch template (no needless replacements). */
export const MIME_BOUNDARY = "==MULTUS-EKS-NODE-USER-DATA==";
