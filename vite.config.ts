/**
 * Three builds into dist/public (served by the worker's ASSETS binding):
 * - `vite build`               the chat app (and the inbox), ES modules under /widget/
 * - `vite build --mode loader` widget.js, the tiny IIFE a site embeds
 * - `vite build --mode admin`  the owner's console (/widget/admin.js) and its widget preview
 *   page's script: a build of its own, so none of it lands in the widget's chunks (whose
 *   weight budget test/widget-size.test.ts checks)
 */
import { defineConfig } from "vite";

const jsx = { jsx: { runtime: "automatic" as const, importSource: "preact" } };

const admin = {
  publicDir: false as const,
  oxc: jsx,
  build: {
    outDir: "dist/public",
    emptyOutDir: false,
    target: "es2020",
    modulePreload: false,
    rollupOptions: {
      input: { admin: "widget/admin/main.tsx", "admin-preview": "widget/admin/preview-page.ts" },
      output: {
        format: "es" as const,
        entryFileNames: "widget/[name].js",
        chunkFileNames: "widget/admin-chunks/[name]-[hash].js",
        assetFileNames: "widget/admin-assets/[name]-[hash][extname]",
      },
    },
  },
};

export default defineConfig(({ mode }) =>
  mode === "admin"
    ? admin
    : mode === "loader"
    ? {
        publicDir: false,
        oxc: jsx,
        build: {
          outDir: "dist/public",
          emptyOutDir: false,
          target: "es2022",
          lib: { entry: "widget/loader.ts", formats: ["iife"], name: "SwitchboardLoader", fileName: () => "widget.js" },
        },
      }
    : {
        publicDir: "widget/public",
        oxc: jsx,
        build: {
          outDir: "dist/public",
          emptyOutDir: true,
          target: "es2022",
          modulePreload: false,
          // Library mode: ES modules without Vite's preload helper, which lazy chunks that
          // import nothing of their own do not need (and every visitor would download).
          lib: { entry: { app: "widget/app/main.tsx", inbox: "widget/inbox/main.tsx" }, formats: ["es"] },
          rollupOptions: {
            preserveEntrySignatures: "exports-only",
            output: {
              format: "es",
              // Library mode keeps ES output readable by default; ours is for browsers only.
              minify: true,
              comments: false,
              entryFileNames: "widget/[name].js",
              chunkFileNames: "widget/chunks/[name]-[hash].js",
              assetFileNames: "widget/assets/[name]-[hash][extname]",
            },
          },
        },
      },
);
