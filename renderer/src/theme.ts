// The look: dark by default (reading rooms are dim), compact controls, system fonts only (no CDN
// or bundled web fonts: the app must work offline and look native).

import { createTheme, type MantineColorsTuple } from '@mantine/core';

// A desaturated teal: reads as "clinical" and stays distinct from the status colours
// (green corrected, blue model mask, red errors, yellow demo/warnings).
const accent: MantineColorsTuple = ['#e3fafa', '#d2f0f0', '#a9dfdf', '#7bcdcd', '#55bebe', '#3db4b4', '#2cafaf', '#1a9999', '#058888', '#007676'];

export const theme = createTheme({
  primaryColor: 'accent',
  colors: { accent },
  primaryShade: { light: 7, dark: 8 },
  defaultRadius: 'sm',
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  fontFamilyMonospace: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
  headings: { fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif' },
  components: {
    Button: { defaultProps: { size: 'xs' } },
    ActionIcon: { defaultProps: { size: 'md', variant: 'subtle' } },
    TextInput: { defaultProps: { size: 'xs' } },
    Textarea: { defaultProps: { size: 'xs' } },
    NumberInput: { defaultProps: { size: 'xs' } },
    NativeSelect: { defaultProps: { size: 'xs' } },
    SegmentedControl: { defaultProps: { size: 'xs' } },
    Badge: { defaultProps: { size: 'sm', radius: 'sm' } },
    Table: { defaultProps: { fz: 'xs', verticalSpacing: 4 } },
    Modal: { defaultProps: { centered: true } },
    Tooltip: { defaultProps: { openDelay: 400, withArrow: true } },
  },
});
