// Mantine's default palettes with shades 6 to 9 darkened where they fail WCAG AA (4.5:1) contrast:
// white text on a filled button (shade 6), coloured text on white or on a striped row (shade 6),
// and a light badge or alert's text (shade 9) on its background (shade 1). Shades 0 to 5 are
// Mantine's, so light backgrounds look the same. Checked by axe-core in e2e/accessibility.test.mjs.
import type { MantineColorsTuple } from '@mantine/core';

export const accessibleColors: Record<string, MantineColorsTuple> = {
  gray: ['#f8f9fa', '#f1f3f5', '#e9ecef', '#dee2e6', '#ced4da', '#adb5bd', '#6b7278', '#495057', '#343a40', '#212529'],
  red: ['#fff5f5', '#ffe3e3', '#ffc9c9', '#ffa8a8', '#ff8787', '#ff6b6b', '#c84242', '#b83d3d', '#a93838', '#9b3434'],
  pink: ['#fff0f6', '#ffdeeb', '#fcc2d7', '#faa2c1', '#f783ac', '#f06595', '#c43e6d', '#b43964', '#a6345c', '#a61e4d'],
  grape: ['#f8f0fc', '#f3d9fa', '#eebefa', '#e599f7', '#da77f2', '#cc5de8', '#a943c3', '#9b3eb3', '#9c36b5', '#862e9c'],
  indigo: ['#edf2ff', '#dbe4ff', '#bac8ff', '#91a7ff', '#748ffc', '#5c7cfa', '#4766e4', '#4263eb', '#3b5bdb', '#364fc7'],
  blue: ['#e7f5ff', '#d0ebff', '#a5d8ff', '#74c0fc', '#4dabf7', '#339af0', '#1c73bf', '#1a6ab0', '#1862a2', '#165a95'],
  cyan: ['#e3fafc', '#c5f6fa', '#99e9f2', '#66d9e8', '#3bc9db', '#22b8cf', '#0f7c8b', '#0e7280', '#0d6976', '#0c616d'],
  teal: ['#e6fcf5', '#c3fae8', '#96f2d7', '#63e6be', '#38d9a9', '#20c997', '#0d815e', '#0c7756', '#0b6d4f', '#0a6449'],
  green: ['#ebfbee', '#d3f9d8', '#b2f2bb', '#8ce99a', '#69db7c', '#51cf66', '#2b813a', '#287735', '#256d31', '#22642d'],
  lime: ['#f4fce3', '#e9fac8', '#d8f5a2', '#c0eb75', '#a9e34b', '#94d82d', '#517d13', '#4b7311', '#456a10', '#3f620f'],
  yellow: ['#fff9db', '#fff3bf', '#ffec99', '#ffe066', '#ffd43b', '#fcc419', '#936803', '#876003', '#7c5803', '#725103'],
  orange: ['#fff4e6', '#ffe8cc', '#ffd8a8', '#ffc078', '#ffa94d', '#ff922b', '#b1580e', '#a3510d', '#964b0c', '#8a450b'],
};
