/** Ids and credentials of the demo seed (docs/demo-data.md), which every test file starts from. */
export const ACME = "65a0e0e0e0e0e0e0e0e0e0e0";
export const GLOBEX = "66b0e0e0e0e0e0e0e0e0e0e0";
export const ALICE = "65b1f0a2c3d4e5f6a7b8c9d0";
export const AGENT = "60d9e3c2f42e4d03800e01a5";
export const ADMIN = "65b1f0a2c3d4e5f6a7b8c9d1";
export const BOB = "66b1f0a2c3d4e5f6a7b8c9d0";
export const JANE = "65c2d0e0f0a0b0c0d0e0f0a0";
export const TEST_CUSTOMER = "65c2d0e0f0a0b0c0d0e0f0a1";
export const SNAPSHOT = "67f1a0b0c0d0e0f0a0b0c0d0";
export const GLOBEX_SNAPSHOT = "66f1a0b0c0d0e0f0a0b0c0d0";
export const DOCS_CONVERSATION = "112ec528bf7946a12ab0fs21";
export const GLOBEX_CONVERSATION = "66d0a0b0c0d0e0f0a0b0c0d0";
export const ACME_KEY = "dev_acme_0123456789abcdef0123456789abcdef";
export const GLOBEX_KEY = "dev_globex_0123456789abcdef0123456789abcdef";
export const DEMO_PASSWORD = "demo-password-123";
