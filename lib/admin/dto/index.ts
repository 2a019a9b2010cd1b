export * from './flag-document.dto.js';
export * from './segment-document.dto.js';
export * from './switch-document.dto.js';
export * from './flag-patch.dto.js';
export * from './switch-patch.dto.js';
export * from './evaluate.dto.js';
export * from './import.dto.js';
export * from './console-sign-in.dto.js';
