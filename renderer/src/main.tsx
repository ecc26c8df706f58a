// The renderer's entry: Mantine (dark, compact), the notification stack, the app.

import '@mantine/core/styles.css';
import '@mantine/charts/styles.css';
import './app.css';
import { MantineProvider } from '@mantine/core';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { NotificationProvider } from './notifications/NotificationProvider.tsx';
import { theme } from './theme.ts';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element to render Delineate into');

createRoot(root).render(
  <StrictMode>
    <MantineProvider theme={theme} defaultColorScheme="dark">
      <NotificationProvider>
        <App />
      </NotificationProvider>
    </MantineProvider>
  </StrictMode>,
);
