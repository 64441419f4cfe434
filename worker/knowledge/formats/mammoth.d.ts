// mammoth's browser build (a self-contained bundle without Node built-ins); typed in docx.ts.
declare module "mammoth/mammoth.browser.min.js";
